/**
 * The ingest gateway: authenticated HTTP in, acknowledged Kafka records out. Built
 * without listening (handle() takes a request value), so tests call it in-process;
 * serveIngest() is the node:http adapter. A 2xx is sent only after Kafka acknowledged
 * every record of the request (acks=all, idempotent producer), so an acknowledged sample
 * is never lost; a Kafka failure is a 503 the client retries.
 *
 *   POST /api/v1/write             Prometheus remote_write 1.0 (snappy + protobuf)
 *   POST /api/v1/push              text exposition format
 *   POST|PUT /metrics/job/<job>{/<label>/<value>}   the same, Pushgateway-style grouping labels
 *   GET  /metrics, /-/healthy, /-/ready
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { Message } from 'kafkajs';
import type { Clock } from '../clock.js';
import type { Label } from '../promql/labels.js';
import { topicNames } from '../kafka/topics.js';
import type { TokenPrincipal } from '../store/tokens.js';
import { BatchAssembler } from './admit.js';
import type { IngestConfig } from './config.js';
import { IngestError } from './errors.js';
import { TenantLimiter, type EffectiveLimits } from './limits.js';
import { IngestMetrics } from './metrics.js';
import { decodeWriteRequest, uncompressSnappy } from './remote_write.js';
import { parseTextFormat } from './text_format.js';

/** A request as the gateway sees it, body read in full. */
export interface IngestRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

/** A complete response. */
export interface IngestResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Where sample batches go (SafeProducer in production). */
export interface SamplesProducer {
  send(topic: string, messages: Message[]): Promise<unknown>;
  readonly isConnected: boolean;
}

/** What the gateway is built from. */
export interface GatewayDeps {
  readonly config: IngestConfig;
  /** Token -> principal (a TokenCache in production); rejects when the database is down. */
  readonly authenticate: (token: string) => Promise<TokenPrincipal | null>;
  readonly producer: SamplesProducer;
  readonly clock: Clock;
  /** Monotonic seconds for latency only (default performance.now). */
  readonly perfNow?: () => number;
  readonly metrics?: IngestMetrics;
  readonly onError?: (e: unknown) => void;
}

function json(status: number, value: unknown, headers: Record<string, string> = {}): IngestResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

function errorResponse(e: IngestError): IngestResponse {
  const headers: Record<string, string> = {};
  if (e.retryAfterSeconds !== undefined) headers['retry-after'] = String(e.retryAfterSeconds);
  if (e.status === 401) headers['www-authenticate'] = 'Bearer realm="vigil"';
  return json(e.status, { status: 'error', errorType: e.errorType, error: e.message }, headers);
}

/** Decodes the grouping labels of a Pushgateway path `job/<job>{/<name>/<value>}`. */
export function groupingLabels(path: string): Label[] {
  const segs = path.replace(/^\/metrics\//, '').split('/');
  if (segs.length < 2 || segs.length % 2 !== 0) throw new IngestError('bad_data', `push path ${path}: want /metrics/job/<job>{/<label>/<value>}`);
  const out: Label[] = [];
  for (let i = 0; i < segs.length; i += 2) {
    let name = segs[i]!;
    let raw = segs[i + 1]!;
    let value: string;
    if (name.endsWith('@base64')) {
      name = name.slice(0, -'@base64'.length);
      if (!/^[A-Za-z0-9_=-]*$/.test(raw)) throw new IngestError('bad_data', `push path: value of ${name} is not base64url`);
      raw = raw.replace(/=+$/, '');
      value = Buffer.from(raw, 'base64url').toString('utf8');
    } else {
      try {
        value = decodeURIComponent(raw);
      } catch {
        throw new IngestError('bad_data', `push path: value of ${name} is not percent-encoded correctly`);
      }
    }
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new IngestError('bad_data', `push path: invalid label name ${JSON.stringify(name)}`);
    if (i === 0 && name !== 'job') throw new IngestError('bad_data', `push path ${path}: the first grouping label must be job`);
    if (i === 0 && value === '') throw new IngestError('bad_data', 'push path: job must not be empty');
    if (out.some((l) => l.name === name)) throw new IngestError('bad_data', `push path: grouping label ${name} given twice`);
    out.push({ name, value });
  }
  return out;
}

/** The gateway; one per process. */
export class IngestGateway {
  readonly metrics: IngestMetrics;
  readonly limiter: TenantLimiter;
  private readonly topic: string;
  private readonly perfNow: () => number;

  constructor(private readonly deps: GatewayDeps) {
    this.metrics = deps.metrics ?? new IngestMetrics();
    this.limiter = new TenantLimiter(deps.config.limits.seriesIdleMs);
    this.topic = topicNames(deps.config.kafka.topics).samples;
    this.perfNow = deps.perfNow ?? (() => performance.now() / 1000);
  }

  /** Answers one request; never throws. */
  async handle(req: IngestRequest): Promise<IngestResponse> {
    const handler = this.route(req);
    let res: IngestResponse;
    try {
      res = await this.dispatch(handler, req);
    } catch (e) {
      if (e instanceof IngestError) res = errorResponse(e);
      else {
        this.deps.onError?.(e);
        res = errorResponse(new IngestError('internal', 'internal error'));
      }
    }
    this.metrics.request(handler, res.status);
    return res;
  }

  private route(req: IngestRequest): string {
    if (req.path === '/api/v1/write') return 'write';
    if (req.path === '/api/v1/push') return 'push';
    if (req.path.startsWith('/metrics/job')) return 'pushgateway';
    if (req.path === '/metrics') return 'metrics';
    if (req.path === '/-/healthy') return 'healthy';
    if (req.path === '/-/ready') return 'ready';
    return 'other';
  }

  private async dispatch(handler: string, req: IngestRequest): Promise<IngestResponse> {
    const read = req.method === 'GET' || req.method === 'HEAD';
    switch (handler) {
      case 'metrics':
        if (!read) throw new IngestError('method_not_allowed', `${req.method} ${req.path}: use GET`);
        return { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }, body: this.metrics.render(this.limiter.activeSeries()) };
      case 'healthy':
        return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Healthy.\n' };
      case 'ready':
        return this.deps.producer.isConnected
          ? { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Ready.\n' }
          : { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Not ready: Kafka producer not connected.\n' };
      case 'write':
      case 'push':
      case 'pushgateway': {
        const allowed = handler === 'pushgateway' ? ['POST', 'PUT'] : ['POST'];
        if (!allowed.includes(req.method)) throw new IngestError('method_not_allowed', `${req.method} ${req.path}: use ${allowed.join(' or ')}`);
        return this.ingest(handler, req);
      }
      default:
        throw new IngestError('not_found', `no such endpoint: ${req.method} ${req.path}`);
    }
  }

  private async principal(req: IngestRequest): Promise<TokenPrincipal> {
    const header = req.headers['authorization'];
    if (header === undefined || header === '') throw new IngestError('unauthorized', 'missing Authorization: Bearer <token> header');
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!m) throw new IngestError('unauthorized', 'the Authorization header must be "Bearer <token>"');
    let p: TokenPrincipal | null;
    try {
      p = await this.deps.authenticate(m[1]!);
    } catch (e) {
      this.deps.onError?.(e);
      throw new IngestError('unavailable', 'cannot check the token now (database unavailable); retry later', 5);
    }
    if (p === null) throw new IngestError('unauthorized', 'invalid, unknown or revoked token');
    if (!p.scopes.has('write')) throw new IngestError('forbidden', `token ${p.prefix}… has no write scope`);
    return p;
  }

  private limitsOf(p: TokenPrincipal): EffectiveLimits {
    const d = this.deps.config.limits;
    const rate = p.limits.samplesPerSecond ?? d.samplesPerSecond;
    return {
      maxSeries: p.limits.maxSeries ?? d.maxSeries,
      samplesPerSecond: rate,
      burstSamples: p.limits.burstSamples ?? d.burstSamples ?? Math.max(1, Math.ceil(rate * 2)),
      maxBodyBytes: p.limits.maxBodyBytes ?? d.maxBodyBytes,
    };
  }

  private async ingest(handler: string, req: IngestRequest): Promise<IngestResponse> {
    const p = await this.principal(req);
    const limits = this.limitsOf(p);
    if (req.body.length > limits.maxBodyBytes) {
      throw new IngestError('too_large', `request body of ${req.body.length} bytes exceeds the tenant's limit of ${limits.maxBodyBytes} bytes`);
    }
    const acceptTime = this.deps.clock.now();
    const tenant = this.limiter.state(p.tenant, limits, acceptTime);
    const cfg = this.deps.config;
    const assembler = new BatchAssembler({
      tenant: p.tenant,
      tenantLabel: cfg.tenantLabel,
      machines: p.machines,
      series: tenant.series,
      maxSeries: limits.maxSeries,
      maxMessageBytes: cfg.kafka.maxMessageBytes,
      grouping: handler === 'pushgateway' ? groupingLabels(req.path) : undefined,
    });
    try {
      if (handler === 'write') this.decodeRemoteWrite(req, assembler);
      else parseTextFormat(this.textBody(req), acceptTime, assembler);
    } catch (e) {
      if (e instanceof IngestError) this.metrics.reject(e.errorType, assembler.accepted);
      throw e;
    }
    const records = assembler.finish();
    this.metrics.reject('series_limit', assembler.rejected.series_limit);
    this.metrics.reject('native_histogram', assembler.rejected.native_histogram);
    const n = assembler.accepted;
    if (n > tenant.bucket.capacity) {
      this.metrics.reject('too_large', n);
      throw new IngestError('too_large', `request of ${n} samples exceeds the tenant's burst of ${tenant.bucket.capacity} samples; send smaller requests`);
    }
    const wait = tenant.bucket.take(n, acceptTime);
    if (wait > 0) {
      this.metrics.reject('rate_limited', n);
      throw new IngestError('rate_limited', `tenant ${p.tenant} is over its rate of ${limits.samplesPerSecond} samples/s; retry after ${wait} s`, wait);
    }
    if (records.length > 0) {
      const messages: Message[] = records.map((value) => ({ key: p.tenant, value, timestamp: String(acceptTime) }));
      const t0 = this.perfNow();
      try {
        await this.deps.producer.send(this.topic, messages);
      } catch (e) {
        tenant.bucket.refund(n);
        this.metrics.reject('kafka_unavailable', n);
        this.deps.onError?.(e);
        throw new IngestError('unavailable', `samples not written: Kafka did not acknowledge (${(e as Error).message}); retry later`, 1);
      }
      this.metrics.produceLatency.observe(this.perfNow() - t0);
      this.metrics.recordsWritten += records.length;
      for (const r of records) this.metrics.bytesWritten += r.length;
    }
    this.metrics.samplesAccepted += n;
    tenant.series.touch(assembler.admitted, acceptTime);
    if (assembler.firstLimited !== null) {
      throw new IngestError('series_limit',
        `tenant ${p.tenant} is at its limit of ${limits.maxSeries} series: ${assembler.rejected.series_limit} samples of new series were dropped ` +
        `(first: ${assembler.firstLimited}); ${n} other samples were written`);
    }
    return { status: 204, headers: {}, body: '' };
  }

  private decodeRemoteWrite(req: IngestRequest, sink: BatchAssembler): void {
    const ct = (req.headers['content-type'] ?? 'application/x-protobuf').toLowerCase();
    if (!ct.startsWith('application/x-protobuf')) {
      throw new IngestError('unsupported_media_type', `remote write wants Content-Type application/x-protobuf, got ${JSON.stringify(ct)}`);
    }
    if (/proto=io\.prometheus\.write\.v2/.test(ct)) throw new IngestError('unsupported_media_type', 'remote write 2.0 is not supported; send remote write 1.0 (prometheus.WriteRequest)');
    const enc = (req.headers['content-encoding'] ?? 'snappy').toLowerCase();
    if (enc !== 'snappy') throw new IngestError('unsupported_media_type', `remote write wants Content-Encoding snappy, got ${JSON.stringify(enc)}`);
    decodeWriteRequest(uncompressSnappy(req.body, this.deps.config.limits.maxDecodedBytes), sink);
  }

  private textBody(req: IngestRequest): string {
    const enc = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    let body = req.body;
    if (enc === 'gzip') {
      try {
        body = gunzipSync(body, { maxOutputLength: this.deps.config.limits.maxDecodedBytes });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
          throw new IngestError('too_large', `gzip: decoded body exceeds the limit of ${this.deps.config.limits.maxDecodedBytes} bytes`);
        }
        throw new IngestError('bad_data', `gzip: corrupt input: ${(e as Error).message}`);
      }
    } else if (enc !== 'identity') {
      throw new IngestError('unsupported_media_type', `text push wants Content-Encoding identity or gzip, got ${JSON.stringify(enc)}`);
    }
    const ct = (req.headers['content-type'] ?? 'text/plain').toLowerCase();
    if (ct.startsWith('application/vnd.google.protobuf') || ct.startsWith('application/x-protobuf')) {
      throw new IngestError('unsupported_media_type', 'the protobuf exposition format is not supported; push the text format');
    }
    const text = body.toString('utf8');
    if (text.includes('\ufffd') && !Buffer.from(text, 'utf8').equals(body)) throw new IngestError('bad_data', 'text format: body is not valid UTF-8');
    return text;
  }
}

/** Limits of the node adapter. */
export interface ServeOptions {
  /** Larger bodies are refused with 413 while being read (or at once from Content-Length). */
  readonly maxRequestBytes: number;
}

/** A node:http server (not yet listening) in front of `gateway`. */
export function serveIngest(gateway: IngestGateway, options: ServeOptions): Server {
  return createServer((req, res) => void serveOne(gateway, req, res, options.maxRequestBytes));
}

async function serveOne(gateway: IngestGateway, req: IncomingMessage, res: ServerResponse, limit: number): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  let out: IngestResponse;
  const body = declared > limit ? null : await readBody(req, limit).catch(() => undefined);
  if (body === undefined) return void res.destroy();
  if (body === null) {
    out = errorResponse(new IngestError('too_large', `request body exceeds the server's limit of ${limit} bytes`));
    gateway.metrics.request('other', 413);
    res.setHeader('connection', 'close');
  } else {
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const u = new URL(req.url ?? '/', 'http://ingest');
    out = await gateway.handle({ method: req.method ?? 'GET', path: u.pathname, headers, body });
  }
  if (res.destroyed) return;
  res.writeHead(out.status, { ...out.headers, 'content-length': String(Buffer.byteLength(out.body)) });
  res.end(req.method === 'HEAD' ? undefined : out.body);
}

/** The body, or null once it passes `limit` bytes (the rest is drained, not kept). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
