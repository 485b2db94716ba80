/** The rules package: rule files, recording and alerting rules, groups and their manager. */
export * from './schema.js';
export * from './file.js';
export * from './rule.js';
export * from './recording.js';
export * from './alerting.js';
export * from './group.js';
export * from './manager.js';
export * from './notify.js';
