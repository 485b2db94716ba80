/** The ingest's own counters and their rendering for /metrics. */
import { formatGoFloatG } from '../http/gofloat.js';
import { MetricsWriter, writeProcessMetrics } from '../http/exposition.js';

/** Upper bounds of the produce latency histogram, seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A cumulative histogram in Prometheus's shape. */
class Histogram {
  readonly counts = new Array<number>(LATENCY_BUCKETS.length).fill(0);
  count = 0;
  sum = 0;

  observe(v: number): void {
    this.count++;
    this.sum += v;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) if (v <= LATENCY_BUCKETS[i]!) this.counts[i]!++;
  }

  render(name: string, help: string): string {
    let s = `# HELP ${name} ${help}\n# TYPE ${name} histogram\n`;
    LATENCY_BUCKETS.forEach((b, i) => (s += `${name}_bucket{le="${formatGoFloatG(b)}"} ${this.counts[i]}\n`));
    s += `${name}_bucket{le="+Inf"} ${this.count}\n${name}_sum ${formatGoFloatG(this.sum)}\n${name}_count ${this.count}\n`;
    return s;
  }
}

/** Counters of one ingest process. */
export class IngestMetrics {
  private readonly requests = new Map<string, number>();
  private readonly rejected = new Map<string, number>();
  samplesAccepted = 0;
  recordsWritten = 0;
  bytesWritten = 0;
  ticks = 0;
  tickFailures = 0;
  readonly produceLatency = new Histogram();

  /** Counts a finished request. */
  request(handler: string, code: number): void {
    const k = `${handler}\u0000${code}`;
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
  }

  /** Counts samples not written, by reason. */
  reject(reason: string, samples: number): void {
    if (samples > 0) this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + samples);
  }

  /** Samples rejected for `reason` so far. */
  rejectedFor(reason: string): number {
    return this.rejected.get(reason) ?? 0;
  }

  /** The exposition text; `activeSeries` per tenant comes from the limiter. */
  render(activeSeries: Array<[string, number]>): string {
    const w = new MetricsWriter();
    w.family('vigil_ingest_requests_total', 'counter', 'HTTP requests by handler and status code.',
      [...this.requests].map(([k, n]) => {
        const [handler, code] = k.split('\u0000') as [string, string];
        return { labels: { handler, code }, value: n };
      }));
    w.counter('vigil_ingest_samples_accepted_total', 'Samples acknowledged by Kafka.', this.samplesAccepted);
    w.family('vigil_ingest_samples_rejected_total', 'counter', 'Samples not written, by reason.',
      [...this.rejected].map(([reason, n]) => ({ labels: { reason }, value: n })));
    w.counter('vigil_ingest_kafka_records_total', 'Sample batch records acknowledged by Kafka.', this.recordsWritten);
    w.counter('vigil_ingest_kafka_bytes_total', 'Bytes of sample batch records acknowledged by Kafka.', this.bytesWritten);
    w.counter('vigil_ingest_ticks_total', 'Time tick rounds written to every samples partition.', this.ticks);
    w.counter('vigil_ingest_tick_failures_total', 'Time tick rounds Kafka did not acknowledge.', this.tickFailures);
    w.family('vigil_ingest_active_series', 'gauge', 'Series written recently, per tenant (approximate).',
      activeSeries.map(([tenant, n]) => ({ labels: { tenant }, value: n })));
    writeProcessMetrics(w);
    return w.text() + this.produceLatency.render('vigil_ingest_kafka_produce_duration_seconds', 'Time from sending a request\'s batches to Kafka\'s acknowledgement.');
  }
}
