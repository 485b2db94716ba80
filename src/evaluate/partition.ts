/**
 * The evaluator of one samples partition, free of any transport: it keeps the
 * partition's window, evaluates the rule groups at the aligned slots its watermark
 * passes, and turns alert state changes and re-sends into alert events. All time comes
 * from the data, so the same input gives the same events.
 */
import { Engine } from '../promql/engine.js';
import { getLabel, labelsFromRecord, labelsKey, labelsToRecord, labelsToString, type Labels } from '../promql/labels.js';
import type { AlertingRule, Alert, AlertSnapshot } from '../rules/alerting.js';
import { alignedEvalTime, DEFAULT_EVALUATION_INTERVAL_MS, DEFAULT_RESEND_DELAY_MS, nextEvalTime, ruleIdentity, type RuleGroup } from '../rules/group.js';
import { RuleManager, type ManagedRuleFile } from '../rules/manager.js';
import { tableLinkForExpression } from '../rules/notify.js';
import type { RuleContext } from '../rules/rule.js';
import { AppendStatus, SeriesWindow, type WindowStats } from '../window/window.js';
import type { AlertEvent, AlertEventState } from './event.js';
import { fingerprint } from './fingerprint.js';
import type { GroupSnapshot, PartitionSnapshot } from './snapshot.js';
import { SeriesRetention } from './retention.js';
import { chunkRangeFor } from './window_length.js';

/** Prometheus's default lookback delta. */
export const DEFAULT_LOOKBACK_DELTA_MS = 5 * 60_000;
/** The label whose value names an alert's tenant (set by the ingest, never by clients). */
export const DEFAULT_TENANT_LABEL = 'tenant';

/** One sample read from the log. */
export interface IngestSample {
  readonly labels: Labels;
  /** Timestamp, ms. */
  readonly t: number;
  readonly v: number;
  /** A staleness marker (the value is ignored). */
  readonly stale?: boolean;
}

/** Where a producer keeps the window refs of its series, numbered its own way (a SeriesCache). */
export interface SeriesRefs {
  /** The window ref of series `e`, -1 until resolved. */
  refOf(e: number): number;
  setRef(e: number, ref: number): void;
  /** The labels of series `e`, to resolve its ref. */
  labelsOf(e: number): Labels;
}

/** What happened to the samples of one ingest call. */
export interface IngestResult {
  appended: number;
  outOfOrder: number;
  duplicate: number;
  /** Bad label sets or timestamps. */
  invalid: number;
}

/** How a partition evaluator runs. */
export interface PartitionEvaluatorOptions {
  /** The samples partition, reported in events (default 0). */
  readonly partition?: number;
  readonly compat?: 2 | 3;
  readonly lookbackDelta?: number;
  /** Evaluation interval of groups that set none (default 1m). */
  readonly defaultInterval?: number;
  readonly resendDelay?: number;
  /** Prefix of generator URLs. */
  readonly externalURL?: string;
  /** Added to every alert's labels (the alert's own win), as Prometheus does when sending. */
  readonly externalLabels?: Readonly<Record<string, string>>;
  readonly tenantLabel?: string;
  /**
   * The first slot to evaluate. Without it a group starts at the latest slot the first
   * watermark passes; with it, every slot from here on is evaluated.
   */
  readonly evaluateFrom?: number;
  /** Receives every event, in order, as it is produced. */
  readonly onEvent?: (e: AlertEvent) => void;
  /** Monotonic time source for evaluation durations only (never for evaluation times). */
  readonly perfNow?: () => number;
}

/** Cumulative counters for /metrics. */
export interface PartitionStats {
  readonly ingested: IngestResult;
  readonly evaluations: number;
  readonly ruleFailures: number;
  readonly events: Readonly<Record<AlertEventState, number>>;
  readonly resends: number;
  readonly window: WindowStats;
  readonly windowLength: number;
}

/** Prometheus's alert states as events name them. */
function eventState(a: Alert): AlertEventState {
  return a.state === 'inactive' ? 'resolved' : a.state;
}

/** The partition evaluator. */
export class PartitionEvaluator {
  readonly partition: number;
  readonly engine: Engine;
  private readonly manager: RuleManager;
  private readonly window: SeriesWindow;
  private windowLen = 0;
  private readonly opts: PartitionEvaluatorOptions;
  private readonly lookback: number;
  private readonly ctx: RuleContext;
  private wm: number | null = null;
  private offset: number | null = null;
  private readonly evaluateFrom: number | null;
  /** Groups added by a reload or absent from a restored snapshot start after this time. */
  private readonly startAfter = new WeakMap<RuleGroup, number>();
  /** Events of evaluations at or before this are dropped (already committed by a predecessor). */
  private emitAfter: number | null = null;
  private lastTruncate = -Infinity;
  /**
   * Series refs by label-set object: producers that reuse their Labels objects (a
   * decoder's symbol table, the dev fleet) skip hashing on every sample.
   */
  private readonly refs = new WeakMap<Labels, number>();
  /** Alerts each rule asked to send during the evaluation in progress. */
  private due = new Map<AlertingRule, Alert[]>();
  private readonly ingested: IngestResult = { appended: 0, outOfOrder: 0, duplicate: 0, invalid: 0 };
  private evaluations = 0;
  private ruleFailures = 0;
  private readonly eventCounts: Record<AlertEventState, number> = { pending: 0, firing: 0, resolved: 0 };
  private resends = 0;

  constructor(files: readonly ManagedRuleFile[], opts: PartitionEvaluatorOptions = {}) {
    this.opts = opts;
    this.partition = opts.partition ?? 0;
    this.lookback = opts.lookbackDelta ?? DEFAULT_LOOKBACK_DELTA_MS;
    const defaultInterval = opts.defaultInterval ?? DEFAULT_EVALUATION_INTERVAL_MS;
    this.engine = new Engine({ compat: opts.compat ?? 3, lookbackDelta: this.lookback, noStepSubqueryInterval: defaultInterval });
    this.evaluateFrom = opts.evaluateFrom ?? null;
    this.manager = new RuleManager({
      defaultInterval,
      compat: opts.compat ?? 3,
      resendDelay: opts.resendDelay ?? DEFAULT_RESEND_DELAY_MS,
      restored: true,
      notify: (_g, rule, alerts) => void this.due.set(rule, alerts),
      ...(opts.perfNow ? { perfNow: opts.perfNow } : {}),
    });
    this.manager.update(files);
    const retention = new SeriesRetention(this.manager.ruleGroups(), this.lookback);
    this.windowLen = retention.longest;
    this.window = new SeriesWindow({ chunkRange: chunkRangeFor(this.windowLen), retention: (labels) => retention.keepFor(labels) });
    const window = this.window;
    this.ctx = {
      engine: this.engine,
      querier: window,
      appender: {
        append: (labels, t, v) => window.append(labels, t, v),
        appendStale: (labels, t) => window.appendStale(window.getRef(labels), t),
      },
      externalLabels: { ...(opts.externalLabels ?? {}) },
      externalURL: opts.externalURL ?? '',
    };
  }

  /** The partition's series window (the engine's Querier). */
  get querier(): SeriesWindow {
    return this.window;
  }

  /** The latest watermark passed to advance(), null before the first. */
  get watermark(): number | null {
    return this.wm;
  }

  /** History the rules need (ms): the longest range + lookback + offsets. */
  get windowLength(): number {
    return this.windowLen;
  }

  /** The rule groups, in load order. */
  ruleGroups(): RuleGroup[] {
    return this.manager.ruleGroups();
  }

  /** Appends samples to the window; rejected ones are counted, never thrown. */
  ingest(samples: readonly IngestSample[]): IngestResult {
    const res: IngestResult = { appended: 0, outOfOrder: 0, duplicate: 0, invalid: 0 };
    for (const s of samples) {
      let status: AppendStatus;
      try {
        let ref = this.refs.get(s.labels);
        if (ref === undefined) {
          ref = this.window.getRef(s.labels);
          this.refs.set(s.labels, ref);
        }
        status = this.appendOne(ref, s);
        if (status === AppendStatus.unknownRef) {
          // Truncation removed or renumbered the series since the ref was cached.
          ref = this.window.getRef(s.labels);
          this.refs.set(s.labels, ref);
          status = this.appendOne(ref, s);
        }
      } catch {
        // A malformed label set (empty, unsorted, empty value) from a buggy producer.
        status = AppendStatus.invalidTime;
      }
      if (status === AppendStatus.ok) res.appended++;
      else if (status === AppendStatus.outOfOrder) res.outOfOrder++;
      else if (status === AppendStatus.duplicate) res.duplicate++;
      else res.invalid++;
    }
    this.ingested.appended += res.appended;
    this.ingested.outOfOrder += res.outOfOrder;
    this.ingested.duplicate += res.duplicate;
    this.ingested.invalid += res.invalid;
    return res;
  }

  /**
   * Appends samples of series `e` of `series`, whose window ref the caller keeps (the
   * per-record fast path: no lookup per sample): entries [from, to) of `ts`, `vs` and
   * `stale` (1 for a stale marker), as SampleVisitor.samples hands them, in one window
   * call. Resolves the ref on first use and again after truncation made it unknown.
   * Counted as ingest() counts.
   */
  appendSamples(series: SeriesRefs, e: number, ts: Float64Array, vs: Float64Array, stale: Uint8Array, from: number, to: number): void {
    // An empty run creates no series, as per-sample appends would not.
    if (from === to) return;
    const ref = series.refOf(e);
    if (ref >= 0 && this.window.appendRun(ref, ts, vs, stale, from, to, this.ingested)) return;
    let fresh: number;
    try {
      fresh = this.window.getRef(series.labelsOf(e));
    } catch {
      // A malformed label set (empty, unsorted, empty value) from a buggy producer.
      this.ingested.invalid += to - from;
      return;
    }
    series.setRef(e, fresh);
    // A ref just resolved is known.
    this.window.appendRun(fresh, ts, vs, stale, from, to, this.ingested);
  }

  private appendOne(ref: number, s: IngestSample): AppendStatus {
    return s.stale === true ? this.window.appendStale(ref, s.t) : this.window.appendRef(ref, s.t, s.v);
  }

  /**
   * Moves the watermark to `watermark` and evaluates, in time order (groups in load
   * order within a slot), every aligned slot at or before it not yet evaluated.
   * `offset` is the log position that carried the watermark, reported in events.
   * Returns the events produced (also passed to onEvent). A watermark that does not
   * move forward does nothing.
   */
  advance(watermark: number, offset: number | null = null): AlertEvent[] {
    if (!Number.isSafeInteger(watermark)) throw new RangeError(`advance: watermark must be an integer ms time, got ${watermark}`);
    if (this.wm !== null && watermark <= this.wm) return [];
    this.wm = watermark;
    this.offset = offset;
    const groups = this.manager.ruleGroups();
    const next = groups.map((g) => this.firstSlot(g, watermark));
    const events: AlertEvent[] = [];
    for (;;) {
      let gi = -1;
      for (let i = 0; i < groups.length; i++) {
        const t = next[i]!;
        if (t <= watermark && (gi < 0 || t < next[gi]!)) gi = i;
      }
      if (gi < 0) break;
      const t = next[gi]!;
      // A partition that has never held a sample (only ticks: no tenant hashes to it) has
      // nothing to alert on; evaluating would fire every absent() rule there for nobody.
      // The group starts at the first slot after data arrives, as a fresh evaluator would.
      const g = groups[gi]!;
      if (this.ingested.appended > 0 || g.lastEvaluation !== null) this.evalGroup(g, t, events);
      else this.startAfter.set(g, t);
      next[gi] = t + g.interval;
    }
    this.maybeTruncate(watermark);
    return events;
  }

  /** The next slot `g` evaluates: after its last evaluation, or where evaluation starts. */
  private firstSlot(g: RuleGroup, watermark: number): number {
    if (g.lastEvaluation !== null) return nextEvalTime(g.interval, g.lastEvaluation);
    const after = this.startAfter.get(g);
    if (after !== undefined) return nextEvalTime(g.interval, after);
    if (this.evaluateFrom === null) return alignedEvalTime(g.interval, watermark);
    return alignedEvalTime(g.interval, this.evaluateFrom + g.interval - 1);
  }

  private evalGroup(g: RuleGroup, t: number, events: AlertEvent[]): void {
    this.manager.flushRemoved(t, this.ctx);
    const rules = g.alertingRules();
    const before = rules.map((r) => new Map(r.currentAlerts().map((a) => [labelsKey(a.labels), a])));
    this.due.clear();
    g.eval(t, this.ctx);
    this.evaluations++;
    for (const r of g.rules) if (r.lastError !== null) this.ruleFailures++;
    rules.forEach((rule, i) => this.diff(g, rule, before[i]!, t, events));
    this.due.clear();
  }

  /** Events for one rule: state changes first-class, re-sends for unchanged alerts due again. */
  private diff(g: RuleGroup, rule: AlertingRule, before: Map<string, Alert>, t: number, events: AlertEvent[]): void {
    const due = new Set((this.due.get(rule) ?? []).map((a) => labelsKey(a.labels)));
    const after = rule.currentAlerts();
    const seen = new Set<string>();
    for (const a of after) {
      const key = labelsKey(a.labels);
      seen.add(key);
      const b = before.get(key);
      const isNew = b === undefined || b.activeAt !== a.activeAt || (b.state === 'inactive' && a.state !== 'inactive');
      const changed = isNew ? a.state !== 'inactive' : b.state !== a.state;
      if (changed) this.emit(g, rule, a, t, false, events);
      else if (due.has(key)) this.emit(g, rule, a, t, true, events);
    }
    // A pending alert whose condition stopped is dropped silently by Prometheus; say it ended.
    for (const [key, b] of before) {
      if (!seen.has(key) && b.state === 'pending') this.emit(g, rule, { ...b, state: 'inactive', resolvedAt: t }, t, false, events);
    }
  }

  private emit(g: RuleGroup, rule: AlertingRule, a: Alert, t: number, resend: boolean, events: AlertEvent[]): void {
    const ext = this.opts.externalLabels ?? {};
    const labels = Object.keys(ext).length === 0 ? a.labels : labelsFromRecord({ ...ext, ...labelsToRecord(a.labels) });
    const state = eventState(a);
    const e: AlertEvent = {
      fingerprint: fingerprint(labels),
      tenant: getLabel(labels, this.opts.tenantLabel ?? DEFAULT_TENANT_LABEL),
      labels: labelsToRecord(labels),
      annotations: labelsToRecord(a.annotations),
      state,
      activeAt: a.activeAt,
      firedAt: a.firedAt,
      resolvedAt: a.resolvedAt,
      validUntil: a.state === 'pending' ? null : a.validUntil,
      value: a.value,
      rule: { group: g.name, file: g.file, name: rule.name },
      evalTime: t,
      generatorURL: (this.opts.externalURL ?? '') + tableLinkForExpression(rule.exprText),
      source: { partition: this.partition, offset: this.offset },
      resend,
    };
    if (this.emitAfter !== null && t <= this.emitAfter) return;
    this.eventCounts[state]++;
    if (resend) this.resends++;
    events.push(e);
    this.opts.onEvent?.(e);
  }

  /**
   * Drops data no query at or after the watermark reads, each series as far back as the
   * selectors that match it read (SeriesRetention); in steps, since an expiry walks every
   * series. Expiring up to the next evaluation would hold a little less, but a query of
   * the API at the watermark (its default time) would then miss the oldest samples of its
   * ranges: truncation is exact, with no whole-chunk slack to hide that.
   */
  private maybeTruncate(watermark: number): void {
    const minTime = watermark - this.windowLen;
    if (minTime - this.lastTruncate < Math.max(60_000, chunkRangeFor(this.windowLen) / 2)) return;
    this.window.expire(watermark);
    this.lastTruncate = minTime;
  }

  /**
   * Replaces the rules, keeping the state of unchanged rules (and of changed groups'
   * matching rules) as Prometheus's reload does. Throws, keeping the old rules, if a
   * group cannot be built. The window length follows the new rules; chunk sizing stays.
   */
  reloadRules(files: readonly ManagedRuleFile[]): void {
    this.manager.update(files);
    const retention = new SeriesRetention(this.manager.ruleGroups(), this.lookback);
    this.windowLen = retention.longest;
    this.window.setRetention((labels) => retention.keepFor(labels));
    this.startNewGroupsAfter(this.wm);
  }

  /** New groups cannot be evaluated in the past: they start at the first slot after `t`. */
  private startNewGroupsAfter(t: number | null): void {
    if (t === null) return;
    for (const g of this.manager.ruleGroups()) {
      if (g.lastEvaluation === null && !this.startAfter.has(g)) this.startAfter.set(g, t);
    }
  }

  /** The alert state of every group, for vigil.state. */
  snapshot(): PartitionSnapshot {
    return {
      version: 1,
      partition: this.partition,
      watermark: this.wm,
      offset: this.offset,
      windowLength: this.windowLen,
      groups: this.manager.ruleGroups().map((g): GroupSnapshot => ({
        file: g.file,
        name: g.name,
        lastEvaluation: g.lastEvaluation,
        rules: g.alertingRules().map((r) => ({
          name: r.name,
          labels: labelsToRecord(r.labels),
          alerts: r.getState().map((a) => ({ ...a, value: Number.isFinite(a.value) ? a.value! : null })),
        })),
      })),
    };
  }

  /**
   * Takes over a snapshot's state: groups by file and name, rules by name and labels
   * (duplicates in order). Slots up to the snapshot's watermark are not evaluated again;
   * replay the log from replayStartTime(snapshot) to refill the window. Events of
   * evaluations at or before `emitAfter` are suppressed (a predecessor committed them).
   */
  restore(snapshot: PartitionSnapshot, opts: { emitAfter?: number } = {}): void {
    const byKey = new Map(snapshot.groups.map((g) => [`${g.file};${g.name}`, g]));
    for (const g of this.manager.ruleGroups()) {
      const s = byKey.get(g.key());
      if (s === undefined) continue;
      g.lastEvaluation = s.lastEvaluation;
      const pool = new Map<string, AlertSnapshot[][]>();
      for (const r of s.rules) {
        const id = r.name + labelsToStringOfRecord(r.labels);
        const alerts: AlertSnapshot[] = r.alerts.map((a) => ({ ...a, value: a.value ?? NaN }));
        pool.set(id, [...(pool.get(id) ?? []), alerts]);
      }
      for (const r of g.alertingRules()) {
        const state = pool.get(ruleIdentity(r))?.shift();
        if (state !== undefined) r.setState(state);
      }
    }
    this.wm = snapshot.watermark;
    this.offset = snapshot.offset;
    this.startNewGroupsAfter(snapshot.watermark);
    if (opts.emitAfter !== undefined) this.emitAfter = opts.emitAfter;
  }

  /** Events of evaluations at or before `t` are not emitted from now on (another member produced them). */
  suppressThrough(t: number): void {
    if (this.emitAfter === null || t > this.emitAfter) this.emitAfter = t;
  }

  /** Active (pending and firing) alerts of every alerting rule, with their rule and group. */
  activeAlerts(): { group: RuleGroup; rule: AlertingRule; alert: Alert }[] {
    return this.manager.ruleGroups().flatMap((group) =>
      group.alertingRules().flatMap((rule) => rule.activeAlerts().map((alert) => ({ group, rule, alert }))));
  }

  /** Counters for /metrics. */
  stats(): PartitionStats {
    return {
      ingested: { ...this.ingested },
      evaluations: this.evaluations,
      ruleFailures: this.ruleFailures,
      events: { ...this.eventCounts },
      resends: this.resends,
      window: this.window.stats(),
      windowLength: this.windowLen,
    };
  }
}

/** ruleIdentity's label part, from a snapshot's record. */
function labelsToStringOfRecord(rec: Record<string, string>): string {
  return labelsToString(labelsFromRecord(rec));
}
