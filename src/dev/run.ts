/**
 * `vigil dev`: the whole evaluation path in one process, without Kafka. A simulated
 * fleet is scraped every 15 simulated seconds into a partition evaluator loaded with
 * the shipped rules; history is backfilled instantly, then simulated time runs at
 * `speed` times the injected clock. Alert events are printed one line each, and the
 * evaluator's API plus a status page are served over HTTP.
 */
import { readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { loadRuleFiles } from '../rules/file.js';
import type { AlertEvent } from '../evaluate/event.js';
import { createEvaluatorApi } from '../evaluate/http.js';
import { PartitionEvaluator } from '../evaluate/partition.js';
import { createHttpServer, textResponse, type Handler } from '../http/server.js';
import { Fleet, SCRAPE_INTERVAL_MS } from './fleet.js';
import { formatEventLine } from './format.js';
import { renderPage } from './page.js';

/** How the demo runs. */
export interface DevOptions {
  readonly machines: number;
  /** Directory of rule files (*.yml, *.yaml; not recursive). */
  readonly rulesDir: string;
  /** Simulated seconds per clock second. */
  readonly speed: number;
  /** History simulated instantly before the live run (ms). */
  readonly backfill: number;
  readonly clock: Clock;
  /** Receives one line (with newline) per alert state change. */
  readonly out: (line: string) => void;
  /** Every event, re-sends included (tests). */
  readonly onEvent?: (e: AlertEvent) => void;
}

/** A running demo: call backfill() once, then tick() as often as you like. */
export class DevRun {
  readonly evaluator: PartitionEvaluator;
  readonly fleet: Fleet;
  /** Simulated time at which the live run starts (scenarios are timed from it). */
  readonly liveStart: number;
  private readonly realStart: number;
  private nextScrape: number;
  private server: Server | null = null;
  private backfilling = false;
  private externalURL = '';

  private constructor(private readonly opts: DevOptions, files: Awaited<ReturnType<typeof loadRuleFiles>>['files']) {
    this.realStart = opts.clock.now();
    this.liveStart = this.realStart - (this.realStart % SCRAPE_INTERVAL_MS);
    this.fleet = new Fleet(opts.machines, this.liveStart);
    this.nextScrape = this.liveStart - Math.ceil(opts.backfill / SCRAPE_INTERVAL_MS) * SCRAPE_INTERVAL_MS;
    this.evaluator = new PartitionEvaluator(files, {
      evaluateFrom: this.nextScrape,
      externalURL: '',
      onEvent: (e) => {
        opts.onEvent?.(e);
        if (!e.resend) opts.out(formatEventLine(e) + '\n');
      },
    });
  }

  /** Loads the rules and builds the fleet; throws naming the rule file errors. */
  static async create(opts: DevOptions): Promise<DevRun> {
    if (!(opts.speed > 0)) throw new RangeError(`dev: speed must be > 0, got ${opts.speed}`);
    if (!(opts.backfill >= 0)) throw new RangeError(`dev: backfill must be >= 0, got ${opts.backfill}`);
    let names: string[];
    try {
      names = readdirSync(opts.rulesDir).filter((f) => /\.ya?ml$/.test(f)).sort();
    } catch (e) {
      throw new Error(`dev: cannot read rules directory ${opts.rulesDir}: ${(e as Error).message}`);
    }
    const { files, errors } = await loadRuleFiles(names.map((n) => join(opts.rulesDir, n)));
    if (errors.length > 0) throw new Error(`dev: bad rule files:\n${errors.map((e) => e.text).join('\n')}`);
    return new DevRun(opts, files);
  }

  /** The simulated time now. */
  simNow(): number {
    return this.liveStart + (this.opts.clock.now() - this.realStart) * this.opts.speed;
  }

  /** Simulates the history before the live start, evaluating as it goes. */
  backfill(): void {
    this.scrapeUntil(this.liveStart);
  }

  /**
   * backfill() in slices of a few scrapes, awaiting `pause` between them so a server
   * in the same process keeps answering; tick() waits until it is done.
   */
  async backfillInSlices(pause: () => Promise<void> = () => new Promise((r) => setImmediate(r))): Promise<void> {
    this.backfilling = true;
    try {
      while (this.nextScrape <= this.liveStart) {
        this.scrapeUntil(Math.min(this.liveStart, this.nextScrape + 3 * SCRAPE_INTERVAL_MS));
        await pause();
      }
    } finally {
      this.backfilling = false;
    }
  }

  /** Scrapes and evaluates up to the simulated time now. */
  tick(): void {
    if (!this.backfilling) this.scrapeUntil(this.simNow());
  }

  private scrapeUntil(t: number): void {
    while (this.nextScrape <= t) {
      const at = this.nextScrape;
      this.evaluator.ingest(this.fleet.scrape(at));
      // The scrape time is the watermark: the whole fleet has reported up to it.
      this.evaluator.advance(at);
      this.nextScrape += SCRAPE_INTERVAL_MS;
    }
  }

  /** The status page at `/`, the evaluator API everywhere else. */
  handler(): Handler {
    const api = createEvaluatorApi({ evaluators: () => [this.evaluator] });
    return (req) => {
      if (req.path === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
        const html = renderPage(this.evaluator, { simTime: this.simNow(), machines: this.opts.machines, speed: this.opts.speed, refreshSeconds: 5 });
        return textResponse(200, html, 'text/html; charset=utf-8');
      }
      return api(req);
    };
  }

  /** Starts serving on host:port (0 picks a free port); resolves to the port. */
  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = createHttpServer(this.handler());
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const actual = (server.address() as AddressInfo).port;
    this.externalURL = `http://${host}:${actual}`;
    return actual;
  }

  /** The base URL once listening. */
  get url(): string {
    return this.externalURL;
  }

  /** Stops the server. */
  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s === null) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
