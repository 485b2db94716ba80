#!/usr/bin/env node
// Runs one bench: `node bench/run.js NAME [args]` imports dist/bench/NAME.js and calls main(args).
// Re-spawns node with --expose-gc when needed, so benches can measure heap deltas.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [name, ...args] = process.argv.slice(2);
if (!name || !/^[A-Za-z0-9_-]+$/.test(name)) {
  console.error('usage: npm run bench -- NAME [args]   (NAME is a file bench/NAME.ts, e.g. window)');
  process.exit(2);
}
const url = new URL(`../dist/bench/${name}.js`, import.meta.url);
if (!existsSync(fileURLToPath(url))) {
  console.error(`bench ${JSON.stringify(name)}: ${fileURLToPath(url)} not found (is there a bench/${name}.ts, and did tsc run?)`);
  process.exit(2);
}
if (typeof globalThis.gc !== 'function') {
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, fileURLToPath(import.meta.url), name, ...args], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const mod = await import(url.href);
if (typeof mod.main !== 'function') {
  console.error(`bench ${name}: dist/bench/${name}.js exports no main()`);
  process.exit(2);
}
await mod.main(args);
