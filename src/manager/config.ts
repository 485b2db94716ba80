/**
 * The manager's configuration, in Alertmanager's YAML format (config/config.go of
 * Alertmanager 0.25): global defaults, the route tree, inhibit rules, receivers, time
 * intervals, template files. The zod schema is the single source of the types; errors
 * come back as data with `file:line:col`.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { z, type ZodIssue, type ZodTypeDef } from 'zod';
import type { Matcher } from '../promql/matcher.js';
import { parseDuration } from '../promql/duration.js';
import { NodeLocator } from '../rules/yamlnodes.js';
import { amMatcher, parseMatchers } from './matchers.js';
import {
  checkLocation, parseDayOfMonthRange, parseMonthRange, parseTimeRange, parseWeekdayRange, parseYearRange, type TimeInterval,
} from './time_intervals.js';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Alertmanager's model.Duration, in ms. */
const duration = z.string().transform((s, ctx) => {
  try {
    return parseDuration(s);
  } catch (e) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: (e as Error).message });
    return z.NEVER;
  }
});

function parsed<T>(fn: (s: string) => T) {
  return z.string().transform((s, ctx) => {
    try {
      return fn(s);
    } catch (e) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: (e as Error).message });
      return z.NEVER;
    }
  });
}

/** A `matchers:` list: each item may hold several comma-separated matchers. */
const matcherList = z.array(parsed(parseMatchers)).transform((lists) => lists.flat());
/** The old `match:` map of equality matchers. */
const matchMap = z.record(z.string()).superRefine((m, ctx) => {
  for (const k of Object.keys(m)) if (!LABEL_NAME.test(k)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `invalid label name "${k}"`, path: [k] });
});
/** The old `match_re:` map of regexes. */
const matchReMap = z.record(z.string()).superRefine((m, ctx) => {
  for (const [k, v] of Object.entries(m)) {
    if (!LABEL_NAME.test(k)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `invalid label name "${k}"`, path: [k] });
    try {
      amMatcher('=~', k, v);
    } catch (e) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `invalid regular expression ${JSON.stringify(v)}: ${(e as Error).message}`, path: [k] });
    }
  }
});
const labelNames = z.array(z.string().regex(LABEL_NAME, 'invalid label name'));
const secret = z.string();
const httpConfig = z.record(z.unknown());

const globalSchema = z.object({
  resolve_timeout: duration.default('5m'),
  http_config: httpConfig.optional(),
  smtp_from: z.string().optional(),
  smtp_hello: z.string().default('localhost'),
  smtp_smarthost: z.string().optional(),
  smtp_auth_username: z.string().optional(),
  smtp_auth_password: secret.optional(),
  smtp_auth_password_file: z.string().optional(),
  smtp_auth_secret: secret.optional(),
  smtp_auth_identity: z.string().optional(),
  smtp_require_tls: z.boolean().default(true),
  slack_api_url: z.string().url().optional(),
  slack_api_url_file: z.string().optional(),
  pagerduty_url: z.string().url().default('https://events.pagerduty.com/v2/enqueue'),
  opsgenie_api_url: z.string().optional(),
  opsgenie_api_key: secret.optional(),
  opsgenie_api_key_file: z.string().optional(),
  wechat_api_url: z.string().optional(),
  wechat_api_secret: secret.optional(),
  wechat_api_corp_id: z.string().optional(),
  victorops_api_url: z.string().optional(),
  victorops_api_key: secret.optional(),
  victorops_api_key_file: z.string().optional(),
  telegram_api_url: z.string().optional(),
  webex_api_url: z.string().optional(),
}).strict();

/** A route as written (children inherit unset fields; see route.ts). */
export interface RouteConfig {
  receiver?: string;
  group_by?: string[];
  continue: boolean;
  match?: Record<string, string>;
  match_re?: Record<string, string>;
  matchers?: Matcher[];
  group_wait?: number;
  group_interval?: number;
  repeat_interval?: number;
  mute_time_intervals?: string[];
  active_time_intervals?: string[];
  routes?: RouteConfig[];
}

const routeSchema: z.ZodType<RouteConfig, ZodTypeDef, unknown> = z.lazy(() =>
  z.object({
    receiver: z.string().optional(),
    group_by: z.array(z.string()).optional(),
    continue: z.boolean().default(false),
    match: matchMap.optional(),
    match_re: matchReMap.optional(),
    matchers: matcherList.optional(),
    group_wait: duration.optional(),
    group_interval: duration.optional(),
    repeat_interval: duration.optional(),
    mute_time_intervals: z.array(z.string()).optional(),
    active_time_intervals: z.array(z.string()).optional(),
    routes: z.array(routeSchema).optional(),
  }).strict(),
);

const inhibitRuleSchema = z.object({
  source_match: matchMap.optional(),
  source_match_re: matchReMap.optional(),
  source_matchers: matcherList.optional(),
  target_match: matchMap.optional(),
  target_match_re: matchReMap.optional(),
  target_matchers: matcherList.optional(),
  equal: labelNames.default([]),
}).strict();

const emailSchema = z.object({
  send_resolved: z.boolean().default(false),
  to: z.string().optional(),
  from: z.string().optional(),
  hello: z.string().optional(),
  smarthost: z.string().optional(),
  auth_username: z.string().optional(),
  auth_password: secret.optional(),
  auth_password_file: z.string().optional(),
  auth_secret: secret.optional(),
  auth_identity: z.string().optional(),
  headers: z.record(z.string()).default({}),
  html: z.string().default('{{ template "email.default.html" . }}'),
  text: z.string().optional(),
  require_tls: z.boolean().optional(),
  tls_config: z.record(z.unknown()).optional(),
}).strict();

const slackSchema = z.object({
  send_resolved: z.boolean().default(false),
  http_config: httpConfig.optional(),
  api_url: z.string().url().optional(),
  api_url_file: z.string().optional(),
  channel: z.string().optional(),
  username: z.string().default('{{ template "slack.default.username" . }}'),
  color: z.string().default('{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}'),
  title: z.string().default('{{ template "slack.default.title" . }}'),
  title_link: z.string().default('{{ template "slack.default.titlelink" . }}'),
  pretext: z.string().default('{{ template "slack.default.pretext" . }}'),
  text: z.string().default('{{ template "slack.default.text" . }}'),
  fields: z.array(z.record(z.unknown())).optional(),
  short_fields: z.boolean().default(false),
  footer: z.string().default('{{ template "slack.default.footer" . }}'),
  fallback: z.string().default('{{ template "slack.default.fallback" . }}'),
  callback_id: z.string().default('{{ template "slack.default.callbackid" . }}'),
  icon_emoji: z.string().default('{{ template "slack.default.iconemoji" . }}'),
  icon_url: z.string().default('{{ template "slack.default.iconurl" . }}'),
  image_url: z.string().optional(),
  thumb_url: z.string().optional(),
  link_names: z.boolean().default(false),
  mrkdwn_in: z.array(z.string()).default(['fallback', 'pretext', 'text']),
  actions: z.array(z.record(z.unknown())).optional(),
}).strict();

const pagerdutySchema = z.object({
  send_resolved: z.boolean().default(true),
  http_config: httpConfig.optional(),
  routing_key: secret.optional(),
  routing_key_file: z.string().optional(),
  service_key: secret.optional(),
  service_key_file: z.string().optional(),
  url: z.string().url().optional(),
  client: z.string().default('{{ template "pagerduty.default.client" . }}'),
  client_url: z.string().default('{{ template "pagerduty.default.clientURL" . }}'),
  description: z.string().default('{{ template "pagerduty.default.description" .}}'),
  details: z.record(z.string()).optional(),
  images: z.array(z.record(z.string())).optional(),
  links: z.array(z.record(z.string())).optional(),
  source: z.string().optional(),
  severity: z.string().default('error'),
  class: z.string().optional(),
  component: z.string().optional(),
  group: z.string().optional(),
}).strict();

const webhookSchema = z.object({
  send_resolved: z.boolean().default(true),
  http_config: httpConfig.optional(),
  url: z.string().url().optional(),
  url_file: z.string().optional(),
  max_alerts: z.number().int().nonnegative().default(0),
}).strict();

/** Integrations Alertmanager has and Vigil does not send to (yet). */
const UNSUPPORTED = ['opsgenie_configs', 'wechat_configs', 'pushover_configs', 'victorops_configs', 'sns_configs', 'telegram_configs', 'webex_configs', 'discord_configs', 'msteams_configs'];

const receiverSchema = z.object({
  name: z.string().default(''),
  email_configs: z.array(emailSchema).default([]),
  slack_configs: z.array(slackSchema).default([]),
  pagerduty_configs: z.array(pagerdutySchema).default([]),
  webhook_configs: z.array(webhookSchema).default([]),
  ...Object.fromEntries(UNSUPPORTED.map((k) => [k, z.unknown().optional()])),
}).strict();

const timeRangeSchema = z.object({ start_time: z.string(), end_time: z.string() }).strict()
  .transform((t, ctx) => {
    try {
      return parseTimeRange(t.start_time, t.end_time);
    } catch (e) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: (e as Error).message });
      return z.NEVER;
    }
  });

const timeIntervalSchema = z.object({
  times: z.array(timeRangeSchema).optional(),
  weekdays: z.array(parsed(parseWeekdayRange)).optional(),
  days_of_month: z.array(parsed(parseDayOfMonthRange)).optional(),
  months: z.array(parsed(parseMonthRange)).optional(),
  years: z.array(parsed(parseYearRange)).optional(),
  location: parsed((s) => (checkLocation(s), s)).optional(),
}).strict().transform((t): TimeInterval => ({
  ...(t.times ? { times: t.times } : {}),
  ...(t.weekdays ? { weekdays: t.weekdays } : {}),
  ...(t.days_of_month ? { daysOfMonth: t.days_of_month } : {}),
  ...(t.months ? { months: t.months } : {}),
  ...(t.years ? { years: t.years } : {}),
  ...(t.location !== undefined ? { location: t.location } : {}),
}));

const namedIntervalSchema = z.object({ name: z.string(), time_intervals: z.array(timeIntervalSchema) }).strict();

const configSchema = z.object({
  global: globalSchema.default({}),
  route: routeSchema.optional(),
  inhibit_rules: z.array(inhibitRuleSchema).default([]),
  receivers: z.array(receiverSchema).default([]),
  templates: z.array(z.string()).default([]),
  mute_time_intervals: z.array(namedIntervalSchema).default([]),
  time_intervals: z.array(namedIntervalSchema).default([]),
}).strict();

/** The parsed config, before global defaults reach the receivers. */
export type RawManagerConfig = z.output<typeof configSchema>;
/** Global settings. */
export type GlobalConfig = RawManagerConfig['global'];
/** An email integration (from, smarthost, hello, require_tls filled from global). */
export type EmailConfig = z.output<typeof emailSchema> & { from: string; smarthost: string; hello: string; require_tls: boolean };
/** A Slack integration (api_url filled from global when it has none). */
export type SlackConfig = z.output<typeof slackSchema>;
/** A PagerDuty integration (url filled from global). */
export type PagerdutyConfig = z.output<typeof pagerdutySchema> & { url: string };
/** A webhook integration. */
export type WebhookConfig = z.output<typeof webhookSchema>;
/** A receiver: a name and its integrations. */
export interface ReceiverConfig {
  readonly name: string;
  readonly email_configs: readonly EmailConfig[];
  readonly slack_configs: readonly SlackConfig[];
  readonly pagerduty_configs: readonly PagerdutyConfig[];
  readonly webhook_configs: readonly WebhookConfig[];
}
/** An inhibit rule with the old and new matcher forms merged. */
export interface InhibitRuleConfig {
  readonly sourceMatchers: readonly Matcher[];
  readonly targetMatchers: readonly Matcher[];
  readonly equal: readonly string[];
}

/** The validated configuration, frozen. */
export interface ManagerConfig {
  readonly global: GlobalConfig;
  /** The root route, with group_wait / group_interval / repeat_interval defaults set. */
  readonly route: RouteConfig & { receiver: string; group_wait: number; group_interval: number; repeat_interval: number };
  readonly inhibitRules: readonly InhibitRuleConfig[];
  readonly receivers: readonly ReceiverConfig[];
  readonly templates: readonly string[];
  /** Named time intervals (time_intervals and the older mute_time_intervals together). */
  readonly timeIntervals: ReadonlyMap<string, readonly TimeInterval[]>;
}

/** One error, with where it is. */
export interface ConfigError {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
  /** `file:line:col: message`. */
  readonly text: string;
}

/** Thrown by loadManagerConfig with every error found. */
export class ConfigLoadError extends Error {
  constructor(readonly errors: readonly ConfigError[]) {
    super(errors.map((e) => e.text).join('\n'));
    this.name = 'ConfigLoadError';
  }
}

type Path = readonly (string | number)[];

class Sink {
  readonly errors: ConfigError[] = [];
  constructor(private readonly file: string, private readonly locator: NodeLocator | null) {}
  add(path: Path, message: string, key?: string): void {
    const at = this.locator ? this.locator.locate(path, key) : { line: 1, col: 1 };
    this.errors.push({ file: this.file, line: at.line, col: at.col, message, text: `${this.file}:${at.line}:${at.col}: ${message}` });
  }
}

function describe(issue: ZodIssue): string {
  const last = issue.path[issue.path.length - 1];
  const what = typeof last === 'string' ? `${last}: ` : '';
  if (issue.code === 'invalid_type') return `${what}expected ${issue.expected}, got ${issue.received}`;
  if (issue.code === 'custom') return `${what}${issue.message}`;
  return `${what}${issue.message}`;
}

/** Old match/match_re maps and new matchers merged, as Alertmanager's NewRoute does. */
export function mergeMatchers(match?: Record<string, string>, matchRe?: Record<string, string>, matchers?: readonly Matcher[]): Matcher[] {
  const out: Matcher[] = [];
  for (const [k, v] of Object.entries(match ?? {})) out.push(amMatcher('=', k, v));
  for (const [k, v] of Object.entries(matchRe ?? {})) out.push(amMatcher('=~', k, v));
  out.push(...(matchers ?? []));
  return out;
}

function checkRoute(sink: Sink, r: RouteConfig, path: Path, receivers: Set<string>, intervals: Set<string>): void {
  if (r.receiver !== undefined && !receivers.has(r.receiver)) sink.add([...path, 'receiver'], `undefined receiver "${r.receiver}" used in route`);
  if (r.group_by) {
    const seen = new Set<string>();
    r.group_by.forEach((l, i) => {
      if (l === '...') {
        if (r.group_by!.length > 1) sink.add([...path, 'group_by', i], 'cannot have wildcard group_by (`...`) and other other labels at the same time');
        return;
      }
      if (!LABEL_NAME.test(l)) sink.add([...path, 'group_by', i], `invalid label name "${l}" in group_by list`);
      if (seen.has(l)) sink.add([...path, 'group_by', i], `duplicated label "${l}" in group_by`);
      seen.add(l);
    });
  }
  if (r.group_interval === 0) sink.add([...path, 'group_interval'], 'group_interval cannot be zero');
  if (r.repeat_interval === 0) sink.add([...path, 'repeat_interval'], 'repeat_interval cannot be zero');
  for (const key of ['mute_time_intervals', 'active_time_intervals'] as const) {
    (r[key] ?? []).forEach((name, i) => {
      if (!intervals.has(name)) sink.add([...path, key, i], `undefined time interval "${name}" used in route`);
    });
  }
  (r.routes ?? []).forEach((c, i) => checkRoute(sink, c, [...path, 'routes', i], receivers, intervals));
}

function resolveReceivers(sink: Sink, raw: RawManagerConfig): ReceiverConfig[] {
  const g = raw.global;
  const names = new Set<string>();
  return raw.receivers.map((r, i) => {
    const at: Path = ['receivers', i];
    if (r.name === '') sink.add(at, 'missing name in receiver');
    else if (names.has(r.name)) sink.add([...at, 'name'], `notification config name "${r.name}" is not unique`);
    names.add(r.name);
    for (const k of UNSUPPORTED) if ((r as Record<string, unknown>)[k] !== undefined) sink.add(at, `${k} are not supported by vigil (email, slack, pagerduty and webhook are)`, k);
    const email = r.email_configs.map((e, j): EmailConfig => {
      const p: Path = [...at, 'email_configs', j];
      if (!e.to) sink.add(p, 'missing to address in email config');
      const c = withGlobalSmtp(e, g);
      if (c.smarthost === '') sink.add(p, 'no global SMTP smarthost set');
      if (c.from === '') sink.add(p, 'no global SMTP from set');
      return c;
    });
    const slack = r.slack_configs.map((s, j): SlackConfig => {
      if (s.api_url !== undefined && s.api_url_file !== undefined) sink.add([...at, 'slack_configs', j], 'at most one of api_url & api_url_file must be configured');
      if (s.api_url !== undefined || s.api_url_file !== undefined) return s;
      if (g.slack_api_url === undefined && g.slack_api_url_file === undefined) {
        sink.add([...at, 'slack_configs', j], 'no global Slack API URL set either inline or in a file');
      }
      return { ...s, ...(g.slack_api_url !== undefined ? { api_url: g.slack_api_url } : {}), ...(g.slack_api_url_file !== undefined ? { api_url_file: g.slack_api_url_file } : {}) };
    });
    const pagerduty = r.pagerduty_configs.map((p, j): PagerdutyConfig => {
      const keys = [p.routing_key, p.routing_key_file, p.service_key, p.service_key_file].filter((k) => k !== undefined && k !== '');
      if (keys.length === 0) sink.add([...at, 'pagerduty_configs', j], 'missing service or routing key in PagerDuty config');
      return { ...p, url: p.url ?? g.pagerduty_url };
    });
    r.webhook_configs.forEach((w, j) => {
      const p: Path = [...at, 'webhook_configs', j];
      if (w.url === undefined && w.url_file === undefined) sink.add(p, 'one of url or url_file must be configured');
      if (w.url !== undefined && w.url_file !== undefined) sink.add(p, 'at most one of url & url_file must be configured');
    });
    return { name: r.name, email_configs: email, slack_configs: slack, pagerduty_configs: pagerduty, webhook_configs: r.webhook_configs };
  });
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o) && !(o instanceof Map)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

/** Parses and validates config text; throws ConfigLoadError listing every fault with its position. */
export function parseManagerConfig(text: string, file = 'alertmanager.yml'): ManagerConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const locator = new NodeLocator(doc, lines);
  const sink = new Sink(file, locator);
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const p = lines.linePos(e.pos[0]);
      sink.errors.push({ file, line: p.line, col: p.col, message: e.message.split('\n')[0]!, text: `${file}:${p.line}:${p.col}: ${e.message.split('\n')[0]}` });
    }
    throw new ConfigLoadError(sink.errors);
  }
  const data = doc.toJS({ maxAliasCount: 1000 }) ?? {};
  const res = configSchema.safeParse(data);
  if (!res.success) {
    for (const issue of res.error.issues) {
      if (issue.code === 'unrecognized_keys') for (const k of issue.keys) sink.add(issue.path, `field ${k} not found in config`, k);
      else sink.add(issue.path, describe(issue));
    }
    throw new ConfigLoadError(sink.errors);
  }
  const raw = res.data;
  const receivers = resolveReceivers(sink, raw);
  const timeIntervals = new Map<string, readonly TimeInterval[]>();
  for (const key of ['mute_time_intervals', 'time_intervals'] as const) {
    raw[key].forEach((ti, i) => {
      if (ti.name === '') sink.add([key, i], 'missing name in time interval');
      if (timeIntervals.has(ti.name)) sink.add([key, i, 'name'], `time interval "${ti.name}" is not unique`);
      timeIntervals.set(ti.name, ti.time_intervals);
    });
  }
  const inhibitRules = raw.inhibit_rules.map((r): InhibitRuleConfig => ({
    sourceMatchers: mergeMatchers(r.source_match, r.source_match_re, r.source_matchers),
    targetMatchers: mergeMatchers(r.target_match, r.target_match_re, r.target_matchers),
    equal: r.equal,
  }));
  const route = raw.route;
  if (route === undefined) {
    sink.add([], 'no route provided in config');
    throw new ConfigLoadError(sink.errors);
  }
  if (route.receiver === undefined || route.receiver === '') sink.add(['route'], 'root route must specify a default receiver');
  if (mergeMatchers(route.match, route.match_re, route.matchers).length > 0) sink.add(['route'], 'root route must not have any matchers');
  if ((route.mute_time_intervals ?? []).length > 0) sink.add(['route', 'mute_time_intervals'], 'root route must not have any mute time intervals');
  if ((route.active_time_intervals ?? []).length > 0) sink.add(['route', 'active_time_intervals'], 'root route must not have any active time intervals');
  checkRoute(sink, route, ['route'], new Set(receivers.map((r) => r.name)), new Set(timeIntervals.keys()));
  if (sink.errors.length > 0) throw new ConfigLoadError(sink.errors);
  return deepFreeze({
    global: raw.global,
    route: {
      ...route,
      receiver: route.receiver!,
      group_wait: route.group_wait ?? 30_000,
      group_interval: route.group_interval ?? 5 * 60_000,
      repeat_interval: route.repeat_interval ?? 4 * 3600_000,
    },
    inhibitRules,
    receivers,
    templates: raw.templates,
    timeIntervals,
  });
}

/**
 * An email_configs entry made in code (a tenant policy's target), with the schema's defaults;
 * the global SMTP settings are the caller's to fill in.
 */
export function emailConfigDefaults(input: Readonly<Record<string, unknown>>): z.output<typeof emailSchema> {
  return emailSchema.parse(input);
}

/** An email config with the global SMTP settings filling what it leaves unset, as Alertmanager inherits them ('' when neither sets smarthost or from). */
export function withGlobalSmtp(e: z.output<typeof emailSchema>, g: GlobalConfig): EmailConfig {
  return {
    ...e, smarthost: e.smarthost ?? g.smtp_smarthost ?? '', from: e.from ?? g.smtp_from ?? '',
    hello: e.hello ?? g.smtp_hello, require_tls: e.require_tls ?? g.smtp_require_tls,
    auth_username: e.auth_username ?? g.smtp_auth_username, auth_password: e.auth_password ?? g.smtp_auth_password,
    auth_secret: e.auth_secret ?? g.smtp_auth_secret, auth_identity: e.auth_identity ?? g.smtp_auth_identity,
  };
}

/** A slack_configs entry made in code (a tenant policy's target), with the schema's defaults. */
export function slackConfigDefaults(input: Readonly<Record<string, unknown>>): SlackConfig {
  return slackSchema.parse(input);
}

/** Reads and parses a config file. */
export function loadManagerConfig(path: string): ManagerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigLoadError([{ file: path, line: 0, col: 0, message: (e as Error).message, text: `${path}: ${(e as Error).message}` }]);
  }
  return parseManagerConfig(text, path);
}
