/**
 * The alert state machine of an alerting rule, as Prometheus's AlertingRule.Eval:
 * inactive → pending → firing after `for`, kept firing for `keep_firing_for`,
 * resolved alerts kept for resolvedRetention so their resolution is re-sent.
 */
import type { Expr } from '../promql/ast.js';
import {
  labelsFromPairs,
  labelsFromRecord,
  labelsKey,
  labelsToRecord,
  labelsToString,
  METRIC_NAME,
  type Labels,
} from '../promql/labels.js';
import type { Sample } from '../promql/value.js';
import { BaseRule, queryVector, RuleEvalError, type Rule, type RuleContext, type RuleEvalOptions } from './rule.js';
import { expandForAlert } from './templates.js';

/** Metric name of the synthetic series of active alerts. */
export const ALERTS_METRIC = 'ALERTS';
/** Metric name of the series holding each alert's activeAt, for restoring `for` state. */
export const ALERTS_FOR_STATE_METRIC = 'ALERTS_FOR_STATE';
/** Label naming the alert. */
export const ALERTNAME_LABEL = 'alertname';
/** Label of ALERTS holding the state. */
export const ALERTSTATE_LABEL = 'alertstate';
/** How long a resolved alert is kept (and re-sent as resolved). */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

/** Error when two output samples collapse to one alert. */
export const ERR_DUPLICATE_ALERT_LABELSET = 'vector contains metrics with the same labelset after applying alert labels';

/** State of one alert instance. */
export type AlertState = 'inactive' | 'pending' | 'firing';

/** One alert instance of a rule. Times are ms since the epoch; null means unset. */
export interface Alert {
  state: AlertState;
  labels: Labels;
  annotations: Labels;
  /** Value of the expression at the last evaluation that returned this series. */
  value: number;
  activeAt: number;
  firedAt: number | null;
  resolvedAt: number | null;
  lastSentAt: number | null;
  validUntil: number | null;
  keepFiringSince: number | null;
}

/** The persistable part of an alert, for snapshots (JSON-friendly). */
export interface AlertSnapshot {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  state?: AlertState;
  value?: number;
  activeAt: number;
  firedAt?: number | null;
  resolvedAt?: number | null;
  lastSentAt?: number | null;
  validUntil?: number | null;
  keepFiringSince?: number | null;
}

/** Definition of an alerting rule, expression already parsed. Durations in ms. */
export interface AlertingRuleOptions {
  name: string;
  expr: Expr;
  exprText: string;
  holdDuration?: number;
  keepFiringFor?: number;
  labels?: Labels;
  annotations?: Labels;
  /**
   * Whether `for` state has been restored; until then no ALERTS/ALERTS_FOR_STATE are
   * emitted (Prometheus waits for restoration). Vigil restores from snapshots before
   * the first evaluation, so this defaults to true.
   */
  restored?: boolean;
}

/** Prometheus's needsSending: never pending alerts; resolved ones once more; others every resendDelay. */
export function alertNeedsSending(a: Alert, t: number, resendDelay: number): boolean {
  if (a.state === 'pending') return false;
  const lastSent = a.lastSentAt ?? Number.NEGATIVE_INFINITY;
  if (a.resolvedAt !== null && a.resolvedAt > lastSent) return true;
  return lastSent + resendDelay < t;
}

function copyAlert(a: Alert): Alert {
  return { ...a };
}

/** Prometheus's AlertingRule. */
export class AlertingRule extends BaseRule implements Rule {
  readonly kind = 'alerting' as const;
  readonly name: string;
  readonly expr: Expr;
  readonly exprText: string;
  readonly holdDuration: number;
  readonly keepFiringFor: number;
  readonly labels: Labels;
  readonly annotations: Labels;
  restored: boolean;
  /** Alerts by label-set key, in the order they became active. */
  private active = new Map<string, Alert>();

  constructor(opts: AlertingRuleOptions) {
    super();
    this.name = opts.name;
    this.expr = opts.expr;
    this.exprText = opts.exprText;
    this.holdDuration = opts.holdDuration ?? 0;
    this.keepFiringFor = opts.keepFiringFor ?? 0;
    this.labels = opts.labels ?? [];
    this.annotations = opts.annotations ?? [];
    this.restored = opts.restored ?? true;
  }

  /**
   * Evaluates at `t`: queries at t - queryOffset, updates alert states (ActiveAt,
   * FiredAt, ... are `t`, as in Prometheus) and returns ALERTS and ALERTS_FOR_STATE
   * samples stamped t - queryOffset. On a duplicate label set the state is left as is;
   * on exceeding the limit all alerts are dropped, as Prometheus does.
   */
  eval(t: number, ctx: RuleContext, opts: RuleEvalOptions = {}): Sample[] {
    const offset = opts.queryOffset ?? 0;
    const input = queryVector(ctx, this.expr, t - offset);

    const fresh = new Map<string, Alert>();
    for (const s of input) {
      const tmpl = {
        labels: s.metric,
        value: s.v,
        externalLabels: ctx.externalLabels,
        externalURL: ctx.externalURL,
        timestampMs: t,
        ctx,
      };
      const pairs: [string, string][] = [];
      for (const l of s.metric) if (l.name !== METRIC_NAME) pairs.push([l.name, l.value]);
      for (const l of this.labels) pairs.push([l.name, expandForAlert(this.name, l.value, tmpl)]);
      pairs.push([ALERTNAME_LABEL, this.name]);
      const labels = labelsFromPairs(pairs);
      // Annotations keep empty values (they are not identity), sorted by name.
      const annotations = this.annotations
        .map((a) => ({ name: a.name, value: expandForAlert(this.name, a.value, tmpl) }));
      const key = labelsKey(labels);
      if (fresh.has(key)) throw new RuleEvalError(ERR_DUPLICATE_ALERT_LABELSET);
      fresh.set(key, {
        state: 'pending', labels, annotations, value: s.v, activeAt: t,
        firedAt: null, resolvedAt: null, lastSentAt: null, validUntil: null, keepFiringSince: null,
      });
    }

    for (const [key, a] of fresh) {
      const old = this.active.get(key);
      if (old !== undefined && old.state !== 'inactive') {
        old.value = a.value;
        old.annotations = a.annotations;
        continue;
      }
      // A resolved alert that comes back is a new alert: it must pend again.
      if (old !== undefined) this.active.delete(key);
      this.active.set(key, a);
    }

    const out: Sample[] = [];
    let numActive = 0;
    for (const [key, a] of this.active) {
      if (!fresh.has(key)) {
        let keepFiring = false;
        if (a.state === 'firing' && this.keepFiringFor > 0) {
          if (a.keepFiringSince === null) a.keepFiringSince = t;
          if (t - a.keepFiringSince < this.keepFiringFor) keepFiring = true;
        }
        if (a.state === 'pending' || (a.resolvedAt !== null && t - a.resolvedAt > RESOLVED_RETENTION_MS)) {
          this.active.delete(key);
        }
        if (a.state !== 'inactive' && !keepFiring) {
          a.state = 'inactive';
          a.resolvedAt = t;
        }
        if (!keepFiring) continue;
      } else {
        a.keepFiringSince = null;
      }
      numActive++;
      if (a.state === 'pending' && t - a.activeAt >= this.holdDuration) {
        a.state = 'firing';
        a.firedAt = t;
      }
      if (this.restored) {
        out.push(this.alertsSample(a, t - offset), this.forStateSample(a, t - offset));
      }
    }

    const limit = opts.limit ?? 0;
    if (limit > 0 && numActive > limit) {
      this.active.clear();
      throw new RuleEvalError(`exceeded limit of ${limit} with ${numActive} alerts`);
    }
    return out;
  }

  /** Labels of the ALERTS / ALERTS_FOR_STATE series: rule labels, overlaid by the alert's. */
  private seriesLabels(a: Alert, metric: string, state?: AlertState): Labels {
    const pairs: [string, string][] = [];
    for (const l of this.labels) pairs.push([l.name, l.value]);
    for (const l of a.labels) pairs.push([l.name, l.value]);
    pairs.push([METRIC_NAME, metric], [ALERTNAME_LABEL, this.name]);
    if (state !== undefined) pairs.push([ALERTSTATE_LABEL, state]);
    return labelsFromPairs(pairs);
  }

  private alertsSample(a: Alert, t: number): Sample {
    return { metric: this.seriesLabels(a, ALERTS_METRIC, a.state), t, v: 1 };
  }

  private forStateSample(a: Alert, t: number): Sample {
    return { metric: this.seriesLabels(a, ALERTS_FOR_STATE_METRIC), t, v: Math.floor(a.activeAt / 1000) };
  }

  /** Highest state of any alert: firing > pending > inactive. */
  state(): AlertState {
    let s: AlertState = 'inactive';
    for (const a of this.active.values()) {
      if (a.state === 'firing') return 'firing';
      if (a.state === 'pending') s = 'pending';
    }
    return s;
  }

  /** Copies of the pending and firing alerts (not the resolved ones still retained). */
  activeAlerts(): Alert[] {
    return [...this.active.values()].filter((a) => a.resolvedAt === null).map(copyAlert);
  }

  /** Copies of all alerts held, resolved ones included. */
  currentAlerts(): Alert[] {
    return [...this.active.values()].map(copyAlert);
  }

  /**
   * The alerts to notify at `t` (Prometheus's sendAlerts): marks them sent and valid
   * until t + 4 × max(interval, resendDelay), and returns copies.
   */
  sendAlerts(t: number, resendDelay: number, interval: number): Alert[] {
    const out: Alert[] = [];
    for (const a of this.active.values()) {
      if (!alertNeedsSending(a, t, resendDelay)) continue;
      a.lastSentAt = t;
      a.validUntil = t + 4 * Math.max(interval, resendDelay);
      out.push(copyAlert(a));
    }
    return out;
  }

  /** Serialisable state of every alert held, for snapshots. */
  getState(): AlertSnapshot[] {
    return [...this.active.values()].map((a) => ({
      labels: labelsToRecord(a.labels),
      annotations: labelsToRecord(a.annotations),
      state: a.state,
      value: a.value,
      activeAt: a.activeAt,
      firedAt: a.firedAt,
      resolvedAt: a.resolvedAt,
      lastSentAt: a.lastSentAt,
      validUntil: a.validUntil,
      keepFiringSince: a.keepFiringSince,
    }));
  }

  /** Replaces the held alerts with a snapshot's (a missing state is firing if firedAt is set). */
  setState(snapshot: readonly AlertSnapshot[]): void {
    this.active.clear();
    for (const s of snapshot) {
      const labels = labelsFromRecord(s.labels);
      const firedAt = s.firedAt ?? null;
      const resolvedAt = s.resolvedAt ?? null;
      const state: AlertState = s.state ?? (resolvedAt !== null ? 'inactive' : firedAt !== null ? 'firing' : 'pending');
      this.active.set(labelsKey(labels), {
        state,
        labels,
        annotations: Object.entries(s.annotations ?? {}).map(([name, value]) => ({ name, value })),
        value: s.value ?? 0,
        activeAt: s.activeAt,
        firedAt,
        resolvedAt,
        lastSentAt: s.lastSentAt ?? null,
        validUntil: s.validUntil ?? null,
        keepFiringSince: s.keepFiringSince ?? null,
      });
    }
  }

  /** Takes over another rule's alerts (reload of an unchanged rule). */
  copyStateFrom(other: AlertingRule): void {
    for (const [k, a] of other.active) this.active.set(k, a);
  }

  definition(): string {
    return [
      `alert: ${this.name}`,
      `expr: ${this.exprText}`,
      `for: ${this.holdDuration}`,
      `keep_firing_for: ${this.keepFiringFor}`,
      `labels: ${labelsToString(this.labels)}`,
      `annotations: ${JSON.stringify(this.annotations)}`,
      '',
    ].join('\n');
  }
}
