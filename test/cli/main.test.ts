import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { main } from '../../src/cli/main.js';
import { parseArgs, UsageError, type Command, type FlagSpec } from '../../src/cli/command.js';
import { CapturedIO } from '../../src/cli/io.js';
import { vigil } from './helpers.js';

const specs: FlagSpec[] = [
  { name: 'run', kind: 'strings', help: '' },
  { name: 'mode', kind: 'string', help: '', choices: ['a', 'b'] },
  { name: 'fast', kind: 'bool', help: '' },
];

test('parseArgs reads --f=v, --f v, repeated and boolean flags, and stops at --', () => {
  const a = parseArgs(['x', '--run=1', '--run', '2', '--fast', '--mode', 'b', 'y', '--', '--run'], specs);
  assert.deepEqual(a.positionals, ['x', 'y', '--run']);
  assert.deepEqual(a.flags.get('run'), ['1', '2']);
  assert.equal(a.flags.get('fast'), true);
  assert.equal(a.flags.get('mode'), 'b');
});

test('parseArgs rejects unknown flags, missing values and values outside the choices', () => {
  assert.throws(() => parseArgs(['--nope'], specs), UsageError);
  assert.throws(() => parseArgs(['-x'], specs), UsageError);
  assert.throws(() => parseArgs(['--mode'], specs), /expected argument for flag '--mode'/);
  assert.throws(() => parseArgs(['--mode=c'], specs), /one of a,b/);
  assert.throws(() => parseArgs(['--fast=maybe'], specs), UsageError);
});

test('--version prints the package version', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  const { code, io } = await vigil(['--version']);
  assert.equal(code, 0);
  assert.equal(io.stdout, `vigil, version ${pkg.version}\n`);
});

test('--help lists every command; no arguments prints usage on stderr with exit 2', async () => {
  const help = await vigil(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.io.stdout, /check rules <rule-files>\.\.\./);
  assert.match(help.io.stdout, /test rules <test-rule-file>\.\.\./);
  const none = await vigil([]);
  assert.equal(none.code, 2);
  assert.match(none.io.stderr, /^usage: vigil/);
});

test('an unknown command or top-level flag exits 2 with usage on stderr', async () => {
  for (const argv of [['frobnicate'], ['check'], ['check', 'alerts'], ['--verbose']]) {
    const { code, io } = await vigil(argv);
    assert.equal(code, 2, argv.join(' '));
    assert.match(io.stderr, /^vigil: error: .*try --help\n\nusage: vigil/);
  }
});

test('commands are dispatched by their longest matching words', async () => {
  const calls: string[] = [];
  const mk = (path: string[]): Command => ({
    path, summary: '', args: '', flags: [],
    run: async (a) => {
      calls.push(`${path.join(' ')}:${a.positionals.join(',')}`);
      return 7;
    },
  });
  const io = new CapturedIO();
  assert.equal(await main(['ingest', 'x'], io, [mk(['ingest']), mk(['ingest', 'x'])]), 7);
  assert.equal(await main(['ingest', 'y'], io, [mk(['ingest']), mk(['ingest', 'x'])]), 7);
  assert.deepEqual(calls, ['ingest x:', 'ingest:y']);
});

test('<command> --help prints that command\'s usage', async () => {
  const { code, io } = await vigil(['test', 'rules', '--help']);
  assert.equal(code, 0);
  assert.match(io.stdout, /^usage: vigil test rules \[<flags>\] <test-rule-file>\.\.\.\n/);
  assert.match(io.stdout, /--promql-compat=2\|3/);
});
