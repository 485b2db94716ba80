/**
 * The peer half of the manager bench, and the Alertmanager process the peer timeline test
 * drives: Alertmanager 0.25 (Debian's `prometheus-alertmanager`) started on a free loopback
 * port with its own --storage.path in a temp dir and no cluster (--cluster.listen-address=),
 * fed through POST /api/v2/alerts the way a Prometheus feeds it: batches of up to 64 alerts
 * (Prometheus's notifier maxBatchSize), one request in flight.
 *
 * What this compares, and what it does not: Alertmanager keeps alerts and aggregation groups in
 * memory (silences and the notification log are snapshotted to disk every 15 minutes), so a
 * POST is an in-memory insert; Vigil's POST writes MySQL in a transaction before answering.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/services/process.js';

/** Where the Alertmanager binary is; VIGIL_ALERTMANAGER overrides. */
export const ALERTMANAGER_BIN = process.env.VIGIL_ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager';

/** Why the peer cannot run here, or null when the binary is present. */
export function alertmanagerMissing(): string | null {
  return existsSync(ALERTMANAGER_BIN) ? null : `${ALERTMANAGER_BIN} not found (apt-get install prometheus-alertmanager)`;
}

/** A running Alertmanager. */
export interface Alertmanager {
  readonly url: string;
  readonly child: ChildProcess;
  /** The tail of its log (stderr). */
  log(): string;
  /** Writes a new config and POSTs /-/reload (alerts stay; the dispatcher rebuilds its groups). */
  reload(configYaml: string): Promise<void>;
  /** SIGTERM, wait, remove its temp dir. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts Alertmanager with `configYaml`; resolves once /-/ready answers 200. */
export async function startAlertmanager(configYaml: string, o: { logLevel?: string } = {}): Promise<Alertmanager> {
  const missing = alertmanagerMissing();
  if (missing !== null) throw new Error(`alertmanager: ${missing}`);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-am-peer-'));
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(config, configYaml);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(ALERTMANAGER_BIN, [
    `--config.file=${config}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=', `--log.level=${o.logLevel ?? 'warn'}`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => { stderr = (stderr + b.toString()).slice(-8000); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`alertmanager exited with ${child.exitCode}: ${stderr}`);
    }
    if (Date.now() - started > 30_000) {
      await stop();
      throw new Error(`alertmanager not ready after 30 s: ${stderr}`);
    }
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  const reload = async (configYaml: string): Promise<void> => {
    writeFileSync(config, configYaml);
    const res = await fetch(`${url}/-/reload`, { method: 'POST' });
    if (!res.ok) throw new Error(`alertmanager: reload: HTTP ${res.status}: ${await res.text()}`);
  };
  return { url, child, log: () => stderr, reload, stop };
}

/** A PostableAlert body item. */
export interface PostAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

/** POST /api/v2/alerts; throws with the answer when it is not 200. */
export async function postAlerts(base: string, alerts: readonly PostAlert[]): Promise<void> {
  const res = await fetch(`${base}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
  if (res.status !== 200) throw new Error(`POST ${base}/api/v2/alerts: HTTP ${res.status}: ${(await res.text()).slice(0, 500)}`);
  await res.arrayBuffer();
}

/** Prometheus's notifier sends at most this many alerts per request. */
export const PROMETHEUS_BATCH = 64;

/** Posts `n` alerts made by `make(i)` in batches of `batch`, one request in flight; returns the seconds it took. */
export async function postInBatches(base: string, n: number, make: (i: number) => PostAlert, batch = PROMETHEUS_BATCH): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i += batch) {
    const chunk: PostAlert[] = [];
    for (let j = i; j < Math.min(n, i + batch); j++) chunk.push(make(j));
    await postAlerts(base, chunk);
  }
  return (performance.now() - t0) / 1000;
}

/** One sample of a Prometheus text exposition (first series whose labels contain `labels`), NaN when absent. */
export function metricValue(text: string, name: string, labels = ''): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    if (labels !== '' && !rest.includes(labels)) continue;
    return Number(rest.slice(rest.lastIndexOf(' ') + 1));
  }
  return NaN;
}

/** GET /metrics as text. */
export async function scrape(base: string): Promise<string> {
  const res = await fetch(`${base}/metrics`);
  if (!res.ok) throw new Error(`GET ${base}/metrics: HTTP ${res.status}`);
  return res.text();
}

/**
 * Posts `probes` alerts, each a new group (alertname `${prefix}${i}`), at `rate` per second in
 * batches of 10 (as the Kafka run produces them), each carrying its send time in a `sent` label.
 */
export async function postProbes(base: string, prefix: string, rate: number, probes: number): Promise<void> {
  const t1 = Date.now();
  for (let i = 0; i < probes; i += 10) {
    const sent = Date.now();
    const batch: PostAlert[] = [];
    for (let j = i; j < Math.min(probes, i + 10); j++) batch.push({ labels: { alertname: `${prefix}${j}`, sent: String(sent) }, annotations: { summary: 'bench alert' } });
    await postAlerts(base, batch);
    const wait = t1 + ((i + 10) * 1000) / rate - Date.now();
    if (wait > 0) await sleep(wait);
  }
}
