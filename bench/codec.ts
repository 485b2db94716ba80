/**
 * Samples codec bench: encodes and decodes `vigil.samples` batches shaped like a
 * remote_write stream from node_exporter fleets (2,000 single-sample series per batch,
 * 9-10 labels each, values of a real mix: counters, gauges, 0/1 flags), on one core.
 * Decode is measured twice: to a visitor that reads each sample and the series' label
 * count (what a consumer that interns by label references pays), and with labels()
 * materialized for every series. Prints a JSON line:
 * {"bench":"codec","decode_samples_per_s":…,"decode_with_labels_samples_per_s":…,
 *  "encode_samples_per_s":…,"bytes_per_sample":…}. Args: [seconds-per-phase=3].
 */
import { labelsFromRecord, type Labels } from '../src/promql/labels.js';
import { SamplesBatchBuilder, SamplesDecoder, type SampleVisitor, type SeriesView } from '../src/kafka/samples_codec.js';

const SERIES_PER_BATCH = 2000;
const BATCHES = 50;

const METRICS = [
  'node_cpu_seconds_total', 'node_memory_MemAvailable_bytes', 'node_load1', 'node_filesystem_avail_bytes',
  'node_network_receive_bytes_total', 'node_disk_io_time_seconds_total', 'up', 'node_boot_time_seconds',
];

function fleetBatch(b: number): { labels: Labels; v: number }[] {
  const out: { labels: Labels; v: number }[] = [];
  for (let i = 0; i < SERIES_PER_BATCH; i++) {
    const host = (b * 37 + Math.floor(i / 40)) % 5000;
    const metric = METRICS[i % METRICS.length]!;
    const rec: Record<string, string> = {
      __name__: metric, instance: `host-${host}.dc${host % 7}.example.com:9100`, job: 'node',
      tenant: `tenant-${host % 300}`, env: host % 3 === 0 ? 'prod' : 'staging', region: `r${host % 5}`,
      team: `team-${host % 40}`, machine_id: `m-${host.toString(16).padStart(8, '0')}`,
    };
    if (metric === 'node_cpu_seconds_total') {
      rec.cpu = String(i % 16);
      rec.mode = ['idle', 'user', 'system', 'iowait'][i % 4]!;
    }
    if (metric.startsWith('node_filesystem') || metric.startsWith('node_disk')) rec.device = `sd${'abcd'[i % 4]}`;
    const v = metric === 'up' ? 1 : metric.endsWith('_total') ? Math.floor(1e6 + i * 1234.5) / 100 : Math.random() * 1e9;
    out.push({ labels: labelsFromRecord(rec), v });
  }
  return out;
}

function encodeBatch(tenant: string, series: { labels: Labels; v: number }[], t: number): Buffer {
  const b = new SamplesBatchBuilder(tenant);
  for (const s of series) {
    b.addSeries(s.labels);
    b.addSample(t, s.v);
  }
  return b.finish();
}

/** Runs `fn` repeatedly for about `seconds`; returns operations per second. */
function rate(seconds: number, perCall: number, fn: () => void): number {
  for (let i = 0; i < 3; i++) fn(); // warm up the JIT
  let calls = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    fn();
    calls++;
    elapsed = performance.now() - t0;
  }
  return (calls * perCall) / (elapsed / 1000);
}

class CountingVisitor implements SampleVisitor {
  sum = 0;
  labels = 0;
  series(s: SeriesView): void {
    this.labels += s.labelCount;
  }
  sample(t: number, v: number, stale: boolean): void {
    if (!stale) this.sum += v + t * 0;
  }
}

class LabelsVisitor implements SampleVisitor {
  sum = 0;
  last: Labels = [];
  series(s: SeriesView): void {
    this.last = s.labels();
  }
  sample(_t: number, v: number): void {
    this.sum += v;
  }
}

/** The bench entry point. */
export async function main(args: string[]): Promise<void> {
  const seconds = Number(args[0] ?? 3);
  const inputs = Array.from({ length: BATCHES }, (_, b) => fleetBatch(b));
  const t = 1_700_000_000_000;
  const records = inputs.map((s, b) => encodeBatch(`tenant-${b}`, s, t + b * 15_000));
  const samplesPerPass = BATCHES * SERIES_PER_BATCH;
  const bytes = records.reduce((n, r) => n + r.length, 0);

  const encode = rate(seconds, samplesPerPass, () => {
    for (let b = 0; b < BATCHES; b++) encodeBatch('tenant', inputs[b]!, t);
  });
  const decoder = new SamplesDecoder();
  const counting = new CountingVisitor();
  const decode = rate(seconds, samplesPerPass, () => {
    for (const r of records) {
      const res = decoder.decode(r, counting);
      if (res.kind !== 'samples') throw new Error(`decode failed: ${JSON.stringify(res)}`);
    }
  });
  const withLabels = new LabelsVisitor();
  const decodeLabels = rate(seconds, samplesPerPass, () => {
    for (const r of records) decoder.decode(r, withLabels);
  });
  const out = {
    bench: 'codec',
    series_per_batch: SERIES_PER_BATCH,
    decode_samples_per_s: Math.round(decode),
    decode_with_labels_samples_per_s: Math.round(decodeLabels),
    encode_samples_per_s: Math.round(encode),
    bytes_per_sample: Number((bytes / samplesPerPass).toFixed(2)),
  };
  console.log(`encode ${out.encode_samples_per_s} samples/s, decode ${out.decode_samples_per_s} samples/s ` +
    `(${out.decode_with_labels_samples_per_s} with labels built), ${out.bytes_per_sample} bytes/sample ` +
    `(checksum ${Math.round(counting.sum + withLabels.sum) % 1000})`);
  console.log(JSON.stringify(out));
}
