/**
 * The peer half of the engine bench: the same fleet and rules on Prometheus 2.42.
 * The fleet is written as OpenMetrics with timestamps ending now, turned into TSDB
 * blocks by `promtool tsdb create-blocks-from openmetrics`, and served by a Prometheus
 * on a free loopback port whose rule_files are the same rules (evaluation_interval 15s).
 * Each group's evaluationTime is read from /api/v1/rules after every evaluation, and
 * process memory from /metrics.
 *
 * What this compares, and what it does not: backfilled data lives in persisted blocks
 * (mmapped, read through the page cache), not in Prometheus's head, so Prometheus's heap
 * here is not what it would hold for the same series scraped live. Prometheus evaluates
 * groups concurrently; the "cycle" is the sum of the groups' evaluation times.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FleetData } from './load.js';

/** What the peer run measured. */
export interface PeerResult {
  /** Median over cycles of the summed evaluationTime of all groups, ms. */
  readonly evalCycleMs: number;
  readonly evalCycleP99Ms: number;
  readonly cycles: number;
  /** Time between the data's last scrape and each measured evaluation, ms. */
  readonly evalAgesMs: number[];
  readonly rssBytes: number;
  readonly heapInuseBytes: number;
  /** Bytes of the TSDB blocks promtool wrote. */
  readonly blockBytes: number;
  readonly rulesFailing: number;
}

/** How to run the peer. */
export interface PeerOptions {
  readonly data: FleetData;
  /** Paths of the shipped rule files. */
  readonly ruleFiles: readonly string[];
  /** Text of the generated rule file. */
  readonly generatedRules: string;
  readonly log: (line: string) => void;
  /** Evaluation cycles to measure (15 s each). */
  readonly cycles?: number;
}

const PROMETHEUS = process.env.PROMETHEUS ?? '/usr/bin/prometheus';
const PROMTOOL = process.env.PROMTOOL ?? '/usr/bin/promtool';

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Writes the fleet as OpenMetrics, series grouped by metric name, times shifted to end at `end`. */
async function writeOpenMetrics(path: string, d: FleetData, shift: number): Promise<void> {
  const order = Array.from({ length: d.series }, (_, j) => j);
  const nameOf = (j: number) => d.labels[j]!.find((l) => l.name === '__name__')!.value;
  order.sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : a - b));
  const out = createWriteStream(path);
  let buf = '';
  const flush = async (): Promise<void> => {
    if (!out.write(buf)) await new Promise<void>((r) => out.once("drain", () => r()));
    buf = '';
  };
  for (const j of order) {
    const ls = d.labels[j]!;
    const inner = ls.filter((l) => l.name !== '__name__').map((l) => `${l.name}="${escapeLabel(l.value)}"`).join(',');
    const head = `${nameOf(j)}{${inner}} `;
    for (let k = 0; k < d.steps; k++) {
      const i = k * d.series + j;
      buf += `${head}${formatValue(d.values[i]!)} ${((d.times[i]! + shift) / 1000).toFixed(3)}\n`;
    }
    if (buf.length > 1 << 20) await flush();
  }
  buf += '# EOF\n';
  await flush();
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ApiGroup { name: string; file: string; evaluationTime: number; lastEvaluation: string; rules: { health: string }[] }

async function getJSON(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** Runs Prometheus on the fleet and rules; throws with a clear message if a step fails. */
export async function runPeer(o: PeerOptions): Promise<PeerResult> {
  const cycles = o.cycles ?? 6;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-peer-'));
  let child: ReturnType<typeof spawn> | null = null;
  try {
    // Data ends a little before now, so the head (which rejects samples older than the
    // newest block) still accepts the recording rules' output.
    const lastT = o.data.times.reduce((m, t) => Math.max(m, t), 0);
    const dataEnd = Date.now() - 5_000;
    const shift = dataEnd - lastT;
    const om = join(dir, 'fleet.om');
    let t0 = performance.now();
    await writeOpenMetrics(om, o.data, shift);
    o.log(`wrote ${(statSync(om).size / 2 ** 20).toFixed(0)} MiB of OpenMetrics in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    t0 = performance.now();
    const data = join(dir, 'data');
    const pt = spawnSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', om, data], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (pt.status !== 0) throw new Error(`peer: promtool failed (${pt.status}): ${(pt.stderr || pt.stdout || String(pt.error)).slice(-2000)}`);
    rmSync(om);
    const blockBytes = dirBytes(data);
    o.log(`promtool created ${(blockBytes / 2 ** 20).toFixed(1)} MiB of blocks in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const gen = join(dir, 'generated.rules.yml');
    writeFileSync(gen, o.generatedRules);
    const files = [...o.ruleFiles, gen];
    const cfg = join(dir, 'prometheus.yml');
    writeFileSync(cfg, `global:\n  evaluation_interval: 15s\nrule_files:\n${files.map((f) => `  - ${JSON.stringify(f)}\n`).join('')}`);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = spawn(PROMETHEUS, [`--config.file=${cfg}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=30d', '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => { stderr = (stderr + b.toString()).slice(-4000); });
    const startedAt = Date.now();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`peer: prometheus exited with ${child.exitCode}: ${stderr}`);
      if (Date.now() - startedAt > 120_000) throw new Error(`peer: prometheus not ready after 120 s: ${stderr}`);
      try { if ((await fetch(`${base}/-/ready`)).ok) break; } catch { /* not listening yet */ }
      await sleep(500);
    }
    o.log(`prometheus ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s on ${base}; waiting for ${cycles} evaluation cycles`);

    const sums: number[] = [];
    const ages: number[] = [];
    let failing = 0;
    let lastSeen = '';
    const deadline = Date.now() + (cycles + 4) * 15_000 + 30_000;
    while (sums.length < cycles && Date.now() < deadline) {
      await sleep(2_000);
      const body = (await getJSON(`${base}/api/v1/rules`)) as { data: { groups: ApiGroup[] } };
      const gs = body.data.groups;
      if (gs.length === 0 || gs.some((g) => g.lastEvaluation.startsWith('0001'))) continue;
      // A cycle is complete when every group has evaluated since the last one counted.
      const newest = gs.map((g) => g.lastEvaluation).sort()[0]!;
      if (newest <= lastSeen) continue;
      lastSeen = gs.map((g) => g.lastEvaluation).sort().at(-1)!;
      sums.push(gs.reduce((n, g) => n + g.evaluationTime * 1000, 0));
      ages.push(Date.parse(newest) - dataEnd);
      failing = gs.reduce((n, g) => n + g.rules.filter((r) => r.health === 'err').length, 0);
    }
    if (sums.length === 0) throw new Error(`peer: no complete evaluation cycle seen: ${stderr}`);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    // The first cycle after start includes cold caches and lazily opened blocks.
    const counted = sums.length > 2 ? sums.slice(1) : sums;
    const sorted = [...counted].sort((a, b) => a - b);
    return {
      evalCycleMs: sorted[Math.floor((sorted.length - 1) / 2)]!,
      evalCycleP99Ms: sorted[sorted.length - 1]!,
      cycles: counted.length,
      evalAgesMs: (sums.length > 2 ? ages.slice(1) : ages).sort((a, b) => a - b),
      rssBytes: metric(metrics, 'process_resident_memory_bytes'),
      heapInuseBytes: metric(metrics, 'go_memstats_heap_inuse_bytes'),
      blockBytes,
      rulesFailing: failing,
    };
  } finally {
    if (child !== null && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => { child!.once('exit', r); setTimeout(r, 10_000); });
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
