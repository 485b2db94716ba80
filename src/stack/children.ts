/**
 * Vigil roles as child processes (`node bin/vigil.js ROLE --config FILE`), each in its own
 * process group with its output in `.vigil/logs/NAME.log`, so the stack stops them in order
 * and a crash leaves its reason on disk.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../clock.js';
import { pidAlive, projectRoot, sleep, tailFile, terminate } from '../services/process.js';

/** What to run. */
export interface ChildSpec {
  /** Log and config file name, e.g. `evaluate-1`. */
  readonly name: string;
  /** `ingest`, `evaluate`, later `manager`. */
  readonly role: string;
  /** Written as JSON (YAML's subset) and passed by --config; unused when `args` is given. */
  readonly config: unknown;
  /** The role's own arguments instead of `--config FILE` (the manager takes flags). */
  readonly args?: readonly string[];
  /** Extra environment (secrets such as a database URL go here, not on the command line `ps` shows). */
  readonly env?: Readonly<Record<string, string>>;
  /** The role's base URL; `/-/healthy` is polled there until it answers. */
  readonly url: string;
}

/** A running child. */
export interface RunningChild {
  readonly spec: ChildSpec;
  readonly pid: number;
  readonly logFile: string;
  /** Whether it has exited. */
  readonly exited: boolean;
  /** SIGTERM (its group), SIGKILL after `graceMs`; resolves once gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL now (its group), without waiting: a crash, for takeover tests. */
  kill(): void;
}

/** Every child started by this process, so an abrupt exit can still take them down. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: a kill is all we can do, and it is enough.
  process.on('exit', () => {
    for (const c of live) if (c.pid !== undefined) try { process.kill(-c.pid, 'SIGKILL'); } catch { /* gone */ }
  });
}

/** Starts `spec` and waits until its `/-/healthy` answers 200; rejects with its log's tail. */
export async function startChild(spec: ChildSpec, dirs: { logs: string; configs: string }, timeoutMs = 60_000): Promise<RunningChild> {
  mkdirSync(dirs.logs, { recursive: true });
  mkdirSync(dirs.configs, { recursive: true });
  let roleArgs = spec.args;
  if (roleArgs === undefined) {
    const configFile = join(dirs.configs, `${spec.name}.json`);
    writeFileSync(configFile, `${JSON.stringify(spec.config, null, 2)}\n`);
    roleArgs = ['--config', configFile];
  }
  const logFile = join(dirs.logs, `${spec.name}.log`);
  const out = openSync(logFile, 'w');
  installExitHook();
  const child = spawn(process.execPath, [join(projectRoot(), 'bin', 'vigil.js'), spec.role, ...roleArgs], {
    detached: true,
    stdio: ['ignore', out, out],
    cwd: projectRoot(),
    env: { ...process.env, ...spec.env },
  });
  closeSync(out);
  live.add(child);
  let exited: string | null = null;
  child.on('exit', (code, sig) => {
    exited = sig ?? `status ${code}`;
    live.delete(child);
  });
  child.on('error', (e) => (exited = e.message));
  const pid = child.pid ?? -1;
  const handle: RunningChild = {
    spec,
    pid,
    logFile,
    get exited() {
      return exited !== null;
    },
    stop: async (graceMs = 10_000) => {
      if (exited === null && pid > 0) await terminate(pid, graceMs);
      live.delete(child);
    },
    kill: () => {
      if (pid > 0) try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
    },
  };
  const deadline = systemClock.now() + timeoutMs;
  for (;;) {
    if (exited !== null) {
      throw new Error(`${spec.name}: exited (${exited}) before it answered on ${spec.url}\n--- ${logFile} (tail) ---\n${tailFile(logFile, 20)}`);
    }
    try {
      const res = await fetch(`${spec.url}/-/healthy`, { signal: AbortSignal.timeout(1_000) });
      await res.text();
      if (res.ok) return handle;
    } catch {
      // not listening yet
    }
    if (systemClock.now() >= deadline) {
      await handle.stop(2_000).catch(() => undefined);
      throw new Error(`${spec.name}: no answer on ${spec.url}/-/healthy within ${timeoutMs} ms\n--- ${logFile} (tail) ---\n${tailFile(logFile, 20)}`);
    }
    await sleep(150);
  }
}

/** Whether any of `pids` still runs (tests check that a stop left nothing behind). */
export function anyAlive(pids: readonly number[]): boolean {
  return pids.some((p) => pidAlive(p));
}
