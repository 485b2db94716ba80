/** Writes the Prometheus text exposition format (version 0.0.4) by hand. */
import { formatGoFloatG } from './gofloat.js';

/** Content type of the text format. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** One sample of a family: its labels (without the name) and value. */
export interface MetricSample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** Accumulates metric families and renders them. */
export class MetricsWriter {
  private out = '';

  /** Adds a family; a family without samples is still announced (HELP/TYPE). */
  family(name: string, type: 'counter' | 'gauge' | 'untyped', help: string, samples: readonly MetricSample[]): this {
    this.out += `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
    for (const s of samples) {
      const labels = Object.entries(s.labels ?? {});
      const ls = labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
      this.out += `${name}${ls} ${formatGoFloatG(s.value)}\n`;
    }
    return this;
  }

  /** A gauge with one unlabelled sample. */
  gauge(name: string, help: string, value: number): this {
    return this.family(name, 'gauge', help, [{ value }]);
  }

  /** A counter with one unlabelled sample. */
  counter(name: string, help: string, value: number): this {
    return this.family(name, 'counter', help, [{ value }]);
  }

  /** The exposition text. */
  text(): string {
    return this.out;
  }
}

/** Process metrics every role exposes (a subset of client_golang's process and Go collectors). */
export function writeProcessMetrics(w: MetricsWriter): void {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  w.counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', (cpu.user + cpu.system) / 1e6);
  w.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', mem.rss);
  w.gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.', mem.heapUsed);
  w.gauge('nodejs_heap_total_bytes', 'V8 heap allocated, in bytes.', mem.heapTotal);
}
