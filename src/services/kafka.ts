// Starts, finds and stops a real single-node Apache Kafka broker (KRaft) on loopback, from the
// jars Maven fetched (see kafka_jars.ts). One broker per folder; a state file in the folder lets
// other processes find it, which is how the test suite shares one broker across test files.
import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, closeSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { systemClock } from '../clock.js';
import { ensureKafkaJars } from './kafka_jars.js';
import { kafkaLayout, writeKafkaConfig, type KafkaLayout } from './kafka_config.js';
import { freePort, pidAlive, pidCommandLine, sleep, tailFile, terminate, vigilHome, withLock } from './process.js';

const run = promisify(execFile);

/** How to start a broker. */
export interface KafkaOptions {
  /** The instance's folder (config, data, logs, state file); default `.vigil/kafka/default`. */
  dir?: string;
  /** Return the broker already running from `dir`, if it answers, instead of starting one. */
  reuse?: boolean;
  /** Where the jars are cached; default `.vigil/kafka`. */
  cacheDir?: string;
  /** Keep the topics of a previous run in `dir` (default: start empty). */
  keepData?: boolean;
  /** JVM max heap, default 512m. */
  heap?: string;
  /** How long to wait for the broker to answer a metadata request, default 60 s. */
  startTimeoutMs?: number;
}

/** A running broker. */
export interface KafkaBroker {
  /** Bootstrap address list, e.g. `127.0.0.1:40123`. */
  brokers: string;
  pid: number;
  dir: string;
  /** True when an already running broker was returned (options.reuse). */
  reused: boolean;
  /** SIGTERM, then SIGKILL after 15 s; resolves once the JVM is gone. */
  stop(): Promise<void>;
}

/** What the state file of a running instance records. */
export interface KafkaState {
  pid: number;
  brokers: string;
  controllerPort: number;
  dir: string;
  startedAt: string;
}

/** The folder under which jars and broker instances live: `.vigil/kafka`. */
export function kafkaHome(): string {
  return join(vigilHome(), 'kafka');
}

/** The instance folder shared by `npm test`, the CLI and `vigil dev`. */
export function sharedKafkaDir(): string {
  return join(kafkaHome(), 'shared');
}

/** Asks `brokers` for cluster metadata once; resolves true when a broker answers. */
export async function kafkaAnswers(brokers: string, timeoutMs = 2_000): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'vigil-services-probe',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null && cluster.controller >= 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function readState(layout: KafkaLayout): KafkaState | undefined {
  try {
    const s = JSON.parse(readFileSync(layout.stateFile, 'utf8')) as KafkaState;
    return Number.isInteger(s.pid) && typeof s.brokers === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `pid` is the JVM started from this instance's server.properties (not a reused pid). */
function isOurBroker(pid: number, layout: KafkaLayout): boolean {
  if (!pidAlive(pid)) return false;
  const cmd = pidCommandLine(pid);
  return cmd === undefined || (cmd.includes('kafka.Kafka') && cmd.includes(layout.serverProperties));
}

/** The broker running from `dir`, if its process lives and it answers metadata requests. */
export async function kafkaStatus(dir: string): Promise<KafkaState | undefined> {
  const layout = kafkaLayout(resolve(dir));
  const state = readState(layout);
  if (!state || !isOurBroker(state.pid, layout)) return undefined;
  return (await kafkaAnswers(state.brokers)) ? state : undefined;
}

/** Stops the broker running from `dir` (if any); true if one was stopped. */
export async function stopKafka(dir: string): Promise<boolean> {
  const layout = kafkaLayout(resolve(dir));
  const state = readState(layout);
  if (!state || !isOurBroker(state.pid, layout)) {
    rmSync(layout.stateFile, { force: true });
    return false;
  }
  await terminate(state.pid);
  rmSync(layout.stateFile, { force: true });
  return true;
}

function javaBin(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

function jvmArgs(layout: KafkaLayout, lib: string, heap: string, logFile: string): string[] {
  return [
    `-Dvigil.log.file=${logFile}`,
    `-Xmx${heap}`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${layout.log4jProperties}`,
    `-Dkafka.logs.dir=${layout.logsDir}`,
    '-cp',
    `${lib}/*`,
  ];
}

function brokerFailure(layout: KafkaLayout, why: string): Error {
  // The JVM's own complaints (bad flags, no memory) go to stdout.log, Kafka's to server.log.
  const parts = [`kafka: ${why}`];
  for (const name of ['stdout.log', 'server.log']) {
    const path = join(layout.logsDir, name);
    const tail = tailFile(path, 25);
    if (tail) parts.push(`--- ${path} (tail) ---`, tail);
  }
  return new Error(parts.join('\n'));
}

/**
 * A Kafka Uuid: 16 random bytes in URL-safe base64 without padding. One that starts with
 * '-' would be read as an option by the storage tool's argument parser (1 in 64 did, and
 * the broker then never started), so such ids are drawn again, as Kafka's own
 * Uuid.randomUuid does.
 */
export function newClusterId(random: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function formatStorage(layout: KafkaLayout, lib: string): Promise<void> {
  const clusterId = newClusterId();
  try {
    await run(javaBin(), [...jvmArgs(layout, lib, '256m', 'storage-tool.log'), 'kafka.tools.StorageTool', 'format',
      '-t', clusterId, '-c', layout.serverProperties, '--ignore-formatted'], { timeout: 120_000 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (err.code === 'ENOENT') throw new Error(`kafka: ${javaBin()} not found; Kafka needs Java 11 or newer (set JAVA_HOME)`);
    throw new Error(`kafka: formatting ${layout.dataDir} failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

/** One attempt at launching the JVM and waiting for it; rejects with the log's tail. */
async function launch(layout: KafkaLayout, lib: string, heap: string, timeoutMs: number): Promise<KafkaState> {
  const ports = { broker: await freePort(), controller: await freePort() };
  writeKafkaConfig(layout, ports);
  await formatStorage(layout, lib);
  const out = openSync(join(layout.logsDir, 'stdout.log'), 'a');
  // Detached, in its own process group, so a shared broker outlives the process that started it.
  const child = spawn(javaBin(), [...jvmArgs(layout, lib, heap, 'server.log'), 'kafka.Kafka', layout.serverProperties], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  let exited: string | undefined;
  child.on('exit', (code, sig) => (exited = `the broker exited (${sig ?? `status ${code}`}) before answering`));
  child.on('error', (e) => (exited = `cannot run ${javaBin()}: ${e.message}`));
  child.unref();
  const state: KafkaState = {
    pid: child.pid ?? -1,
    brokers: `127.0.0.1:${ports.broker}`,
    controllerPort: ports.controller,
    dir: layout.dir,
    startedAt: new Date(systemClock.now()).toISOString(),
  };
  writeFileSync(layout.stateFile, `${JSON.stringify(state, null, 2)}\n`);
  const deadline = systemClock.now() + timeoutMs;
  for (;;) {
    if (exited) {
      rmSync(layout.stateFile, { force: true });
      throw brokerFailure(layout, exited);
    }
    if (await kafkaAnswers(state.brokers, 1_000)) return state;
    if (systemClock.now() >= deadline) {
      if (state.pid > 0) await terminate(state.pid, 5_000).catch(() => undefined);
      rmSync(layout.stateFile, { force: true });
      throw brokerFailure(layout, `no answer to a metadata request on ${state.brokers} within ${timeoutMs} ms`);
    }
    await sleep(250);
  }
}

function handle(state: KafkaState, reused: boolean, layout: KafkaLayout): KafkaBroker {
  return {
    brokers: state.brokers,
    pid: state.pid,
    dir: layout.dir,
    reused,
    stop: async () => {
      await terminate(state.pid);
      if (readState(layout)?.pid === state.pid) rmSync(layout.stateFile, { force: true });
    },
  };
}

/**
 * Starts a KRaft broker+controller on free loopback ports, from `dir`, and waits until it
 * answers a metadata request. Fetches the jars with Maven the first time. Topics must be
 * created explicitly (auto creation is off).
 */
export async function startKafka(options: KafkaOptions = {}): Promise<KafkaBroker> {
  const layout = kafkaLayout(resolve(options.dir ?? join(kafkaHome(), 'default')));
  const lib = await ensureKafkaJars(options.cacheDir ?? kafkaHome());
  mkdirSync(layout.dir, { recursive: true });
  return withLock(join(layout.dir, '.start.lock'), async () => {
    const previous = readState(layout);
    if (previous && isOurBroker(previous.pid, layout)) {
      if (options.reuse && (await kafkaAnswers(previous.brokers))) return handle(previous, true, layout);
      await terminate(previous.pid); // a stuck broker, or one we are told not to reuse
    }
    rmSync(layout.stateFile, { force: true });
    let lastError: unknown;
    // Two attempts: a free port can be taken between our probe and the broker's bind.
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!options.keepData || attempt > 0) rmSync(layout.dataDir, { recursive: true, force: true });
      for (const name of ['server.log', 'stdout.log']) rmSync(join(layout.logsDir, name), { force: true });
      try {
        return handle(await launch(layout, lib, options.heap ?? '512m', options.startTimeoutMs ?? 60_000), false, layout);
      } catch (e) {
        lastError = e;
        if (!/Address already in use|BindException/.test(String((e as Error).message))) break;
      }
    }
    throw lastError;
  });
}

/**
 * The bootstrap address of the broker tests share: $VIGIL_KAFKA_BROKERS if set (an external
 * Kafka), else the broker in `.vigil/kafka/shared`, started now (and left running) if it is not
 * up. `npm test` starts it before the test files and stops it after (scripts/services/).
 */
export async function sharedKafka(): Promise<string> {
  const external = process.env.VIGIL_KAFKA_BROKERS;
  if (external) return external;
  const broker = await startKafka({ dir: sharedKafkaDir(), reuse: true });
  return broker.brokers;
}
