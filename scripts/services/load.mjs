// Imports a compiled module of src/services/, with a clear message when tsc has not run.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The exports of dist/src/services/NAME.js. */
export async function loadServices(name) {
  const url = new URL(`../../dist/src/services/${name}.js`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) {
    console.error(`${fileURLToPath(url)} not found: run \`npm run build\` first`);
    process.exit(2);
  }
  return import(url.href);
}
