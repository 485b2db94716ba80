// Small process and file helpers the service starters share: free ports, liveness by pid,
// stopping a process tree, a cross-process lock, the tail of a log file.
import { existsSync, readFileSync, mkdirSync, writeFileSync, rmSync, statSync, openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../clock.js';

/** The project's root: the nearest folder above this module holding vigil's package.json. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'vigil') return dir;
      } catch {
        // an unreadable package.json is not ours; keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`services: no vigil package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** Where local services keep their files: `<project>/.vigil` (gitignored). */
export function vigilHome(): string {
  return process.env.VIGIL_HOME ?? join(projectRoot(), '.vigil');
}

/** Asks the kernel for a TCP port that is free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('freePort: no port assigned'))));
    });
  });
}

/** Whether `pid` names a running process; a zombie (exited, not yet reaped) counts as gone. */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // "pid (comm) S ..." — the state follows the last ')' since comm may hold spaces or parens.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** The command line of `pid`, to tell our process from an unrelated one that reused its pid. */
export function pidCommandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `pid` is gone; false if it still runs after `timeoutMs`. */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = systemClock.now() + timeoutMs;
  while (pidAlive(pid)) {
    if (systemClock.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  // Services run as leaders of their own process group; signal the group so helpers die too.
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, sig);
    } catch {
      // already gone, or not a group leader
    }
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function terminate(pid: number, graceMs = 15_000): Promise<void> {
  if (!pidAlive(pid)) return;
  signal(pid, 'SIGTERM');
  if (await waitGone(pid, graceMs)) return;
  signal(pid, 'SIGKILL');
  if (!(await waitGone(pid, 5_000))) throw new Error(`process ${pid} survived SIGKILL`);
}

/**
 * Runs `fn` holding a lock shared by every process on this machine (a directory made with
 * mkdir, which is atomic). A lock whose holder died, or that is older than `staleMs`, is broken.
 */
export async function withLock<T>(path: string, fn: () => Promise<T>, opts: { waitMs?: number; staleMs?: number } = {}): Promise<T> {
  const waitMs = opts.waitMs ?? 300_000;
  const staleMs = opts.staleMs ?? 600_000;
  const deadline = systemClock.now() + waitMs;
  mkdirSync(dirname(path), { recursive: true });
  for (;;) {
    try {
      mkdirSync(path);
      writeFileSync(join(path, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = NaN;
    let age = 0;
    try {
      holder = Number(readFileSync(join(path, 'pid'), 'utf8'));
      age = systemClock.now() - statSync(path).mtimeMs;
    } catch {
      // the holder is between mkdir and writing its pid, or just released
    }
    if ((Number.isInteger(holder) && holder > 0 && !pidAlive(holder)) || age > staleMs) {
      rmSync(path, { recursive: true, force: true });
      continue;
    }
    if (systemClock.now() >= deadline) throw new Error(`lock ${path} held by pid ${holder} for more than ${waitMs} ms`);
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}

/** The last `lines` lines of a text file ('' when it does not exist), for error messages. */
export function tailFile(path: string, lines = 30, maxBytes = 64 * 1024): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, maxBytes);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8').split('\n').slice(-lines - 1).join('\n').trimEnd();
  } finally {
    closeSync(fd);
  }
}
