/**
 * Admission: turns the series a parser hands over into `vigil.samples` batches for one
 * tenant. It drops empty label values, rejects invalid series, overwrites the tenant label
 * with the authenticated tenant, enforces a machine-restricted token's machines, counts
 * new series against the tenant's limit, and splits batches by size.
 *
 * A machine-restricted token may write a series only if the series names one of the
 * token's machines: the `machine_id` label if present, else the `instance` label (as is,
 * or without its `:port`). Any series outside them rejects the WHOLE request (403 naming
 * the series and machine), so an agent's misconfiguration is seen at once, not half-written.
 * Series over the tenant's series limit are instead dropped one by one, the rest written.
 */
import type { Label, Labels } from '../promql/labels.js';
import { labelsToString } from '../promql/labels.js';
import { MAX_TIME_MS, SamplesBatchBuilder } from '../kafka/samples_codec.js';
import { IngestError } from './errors.js';
import { labelsHash, type SeriesTracker } from './limits.js';
import type { SeriesSink } from './sink.js';

/** Why samples were not written (the `reason` of the rejected-samples counter). */
export type RejectReason = 'series_limit' | 'native_histogram';

/** What admission needs to know about the request. */
export interface AdmissionContext {
  readonly tenant: string;
  /** The label that carries the tenant (set by us, never by the client). */
  readonly tenantLabel: string;
  /** Machines the token may write for; null: any. */
  readonly machines: ReadonlySet<string> | null;
  readonly series: SeriesTracker;
  readonly maxSeries: number;
  /** Start a new batch once one is estimated this large. */
  readonly maxMessageBytes: number;
  /** Labels every series gets (a Pushgateway-style URL's grouping labels). */
  readonly grouping?: readonly Label[];
}

const byName = (a: Label, b: Label): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The machine a series belongs to: its machine_id, else its instance. */
export function machineOf(labels: Labels): { machine: string; alternatives: string[] } | null {
  let instance = '';
  for (const l of labels) {
    if (l.name === 'machine_id') return { machine: l.value, alternatives: [l.value] };
    if (l.name === 'instance') instance = l.value;
  }
  if (instance === '') return null;
  const m = /^\[(.+)\]:\d+$/.exec(instance) ?? /^([^:]+):\d+$/.exec(instance);
  return { machine: instance, alternatives: m ? [instance, m[1]!] : [instance] };
}

/** A SeriesSink that admits series into batches. */
export class BatchAssembler implements SeriesSink {
  /** Finished batch records. */
  readonly records: Buffer[] = [];
  /** Samples admitted. */
  accepted = 0;
  /** Samples dropped, by reason. */
  readonly rejected: Record<RejectReason, number> = { series_limit: 0, native_histogram: 0 };
  /** The first series dropped for the series limit, for the error message. */
  firstLimited: string | null = null;
  /** Hashes of the admitted series (touched in the tracker once the write succeeded). */
  readonly admitted: number[] = [];
  private readonly newSeries = new Set<number>();
  private builder: SamplesBatchBuilder;
  private where = '';
  private current: 'none' | 'accepted' | 'limited' = 'none';

  constructor(private readonly ctx: AdmissionContext) {
    this.builder = new SamplesBatchBuilder(ctx.tenant);
  }

  series(raw: Label[], where: string): void {
    this.where = where;
    const ctx = this.ctx;
    const labels: Label[] = [];
    for (const l of raw) {
      if (l.name === '') throw new IngestError('bad_data', `${where}: empty label name`);
      if (l.value !== '' && l.name !== ctx.tenantLabel) labels.push(l);
    }
    if (ctx.grouping) {
      for (const g of ctx.grouping) {
        const have = labels.find((l) => l.name === g.name);
        if (have && have.value !== g.value) {
          throw new IngestError('bad_data', `${where}: label ${g.name}=${JSON.stringify(have.value)} conflicts with the grouping label ${g.name}=${JSON.stringify(g.value)} of the URL`);
        }
        if (!have && g.value !== '') labels.push(g);
      }
    }
    labels.push({ name: ctx.tenantLabel, value: ctx.tenant });
    labels.sort(byName);
    let hasName = false;
    for (let i = 0; i < labels.length; i++) {
      if (i > 0 && labels[i]!.name === labels[i - 1]!.name) {
        throw new IngestError('bad_data', `${where}: duplicate label name ${JSON.stringify(labels[i]!.name)} in ${labelsToString(labels)}`);
      }
      if (labels[i]!.name === '__name__') hasName = true;
    }
    if (!hasName) throw new IngestError('bad_data', `${where}: series ${labelsToString(labels)} has no metric name (__name__ label)`);
    if (ctx.machines !== null) this.checkMachine(labels, where);
    const h = labelsHash(labels);
    if (!ctx.series.has(h) && !this.newSeries.has(h)) {
      if (ctx.series.size + this.newSeries.size >= ctx.maxSeries) {
        this.current = 'limited';
        this.firstLimited ??= `${where}: ${labelsToString(labels)}`;
        return;
      }
      this.newSeries.add(h);
    }
    this.admitted.push(h);
    if (this.builder.sampleCount > 0 && this.builder.approxBytes >= ctx.maxMessageBytes) {
      this.records.push(this.builder.finish());
      this.builder = new SamplesBatchBuilder(ctx.tenant);
    }
    this.builder.addSeries(labels);
    this.current = 'accepted';
  }

  private checkMachine(labels: Labels, where: string): void {
    const machines = this.ctx.machines!;
    const m = machineOf(labels);
    if (m === null) {
      throw new IngestError('forbidden_machine',
        `${where}: series ${labelsToString(labels)} has neither a machine_id nor an instance label; this token may only write series of its tenant's machines`);
    }
    if (!m.alternatives.some((x) => machines.has(x))) {
      throw new IngestError('forbidden_machine',
        `${where}: series ${labelsToString(labels)} is of machine ${JSON.stringify(m.machine)}, which this token may not write for; the whole request was rejected`);
    }
  }

  sample(t: number, v: number, stale: boolean): void {
    if (!Number.isInteger(t) || Math.abs(t) > MAX_TIME_MS) throw new IngestError('bad_data', `${this.where}: timestamp ${t} out of range`);
    if (this.current === 'limited') {
      this.rejected.series_limit++;
      return;
    }
    if (this.current !== 'accepted') throw new IngestError('bad_data', `${this.where}: sample before any series`);
    this.builder.addSample(t, v, stale);
    this.accepted++;
  }

  unsupported(kind: 'native_histogram', count: number): void {
    this.rejected[kind] += count;
  }

  /** Closes the last batch; returns all records of the request. */
  finish(): Buffer[] {
    if (this.builder.sampleCount > 0) this.records.push(this.builder.finish());
    this.builder = new SamplesBatchBuilder(this.ctx.tenant);
    return this.records;
  }
}
