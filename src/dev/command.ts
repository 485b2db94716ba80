/** The `vigil dev` run loop: start, print, tick, and stop cleanly on a signal. */
import type { Clock } from '../clock.js';
import { DevRun, type DevOptions } from './run.js';

/** What the loop needs from its surroundings; tests pass a manual clock and timer. */
export interface DevLoopDeps {
  readonly clock: Clock;
  /** Aborting stops the demo. */
  readonly signal: AbortSignal;
  /** Calls `fn` every `ms` milliseconds until the returned function is called. */
  readonly every: (fn: () => void, ms: number) => () => void;
  /** Called once serving, with the run (tests inspect it). */
  readonly onStart?: (run: DevRun) => void;
}

/** Settings of the loop. */
export interface DevLoopOptions extends Omit<DevOptions, 'clock' | 'out'> {
  readonly port: number;
  readonly host?: string;
}

/** Runs the demo until `deps.signal` aborts; resolves to the exit code. */
export async function runDevLoop(opts: DevLoopOptions, deps: DevLoopDeps, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let run: DevRun;
  try {
    run = await DevRun.create({ ...opts, clock: deps.clock, out });
  } catch (e) {
    err(`vigil dev: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    await run.listen(opts.port, opts.host ?? '127.0.0.1');
  } catch (e) {
    err(`vigil dev: cannot listen on port ${opts.port}: ${(e as Error).message}\n`);
    return 1;
  }
  out(`Vigil dev running: open ${run.url}/\n`);
  out(`Simulating ${opts.machines} machines at ${opts.speed}x real time; backfilling ${Math.round(opts.backfill / 60_000)}m of history. Ctrl-C stops.\n`);
  deps.onStart?.(run);
  const stopTicking = deps.every(() => {
    try {
      run.tick();
    } catch (e) {
      err(`vigil dev: evaluation failed: ${(e as Error).stack ?? String(e)}\n`);
    }
  }, 250);
  const stopped = new Promise<void>((resolve) => {
    if (deps.signal.aborted) resolve();
    else deps.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await Promise.race([run.backfillInSlices(), stopped]);
  await stopped;
  stopTicking();
  await run.close();
  out('Vigil dev stopped.\n');
  return 0;
}
