/**
 * Alert events: what an evaluator writes to vigil.alerts (key = fingerprint), one per
 * alert state change and per re-send. Times are integer ms since the epoch.
 */

/** State of an alert as the event reports it. */
export type AlertEventState = 'pending' | 'firing' | 'resolved';

/** One alert event (the vigil.alerts value). */
export interface AlertEvent {
  /** Alertmanager's fingerprint of `labels`, 16 hex digits (see fingerprint.ts). */
  readonly fingerprint: string;
  /** Value of the tenant label ("" when the alert has none). */
  readonly tenant: string;
  /** Alert labels, external labels included. */
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly state: AlertEventState;
  readonly activeAt: number;
  readonly firedAt: number | null;
  readonly resolvedAt: number | null;
  /** Until when a firing alert stays valid without a re-send (Alertmanager's endsAt); null while pending. */
  readonly validUntil: number | null;
  /** The expression's value at the last evaluation that returned the alert (NaN and ±Inf possible). */
  readonly value: number;
  readonly rule: { readonly group: string; readonly file: string; readonly name: string };
  /** The evaluation (aligned slot) that produced the event. */
  readonly evalTime: number;
  readonly generatorURL: string;
  /** Where in the log the evaluation happened: samples partition and the offset that advanced the watermark. */
  readonly source: { readonly partition: number; readonly offset: number | null };
  /** True for a re-send of an unchanged firing or resolved alert (Prometheus's resend delay). */
  readonly resend: boolean;
}

/** JSON of an event; a non-finite value is written as Prometheus spells it ("NaN", "+Inf", "-Inf"). */
export function encodeAlertEvent(e: AlertEvent): string {
  const value: number | string = Number.isFinite(e.value) ? e.value : Number.isNaN(e.value) ? 'NaN' : e.value > 0 ? '+Inf' : '-Inf';
  return JSON.stringify({ ...e, value });
}

/** Parses encodeAlertEvent's JSON; throws naming the first bad field. */
export function decodeAlertEvent(text: string): AlertEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`alert event: not JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null) throw new Error('alert event: not an object');
  const o = raw as Record<string, unknown>;
  const need = (name: string, ok: (v: unknown) => boolean): void => {
    if (!ok(o[name])) throw new Error(`alert event: bad or missing field ${JSON.stringify(name)}`);
  };
  const isStr = (v: unknown) => typeof v === 'string';
  const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  const isNumOrNull = (v: unknown) => v === null || isNum(v);
  const isMap = (v: unknown) => typeof v === 'object' && v !== null && Object.values(v).every(isStr);
  need('fingerprint', isStr);
  need('tenant', isStr);
  need('labels', isMap);
  need('annotations', isMap);
  need('state', (v) => v === 'pending' || v === 'firing' || v === 'resolved');
  need('activeAt', isNum);
  need('firedAt', isNumOrNull);
  need('resolvedAt', isNumOrNull);
  need('validUntil', isNumOrNull);
  need('evalTime', isNum);
  need('generatorURL', isStr);
  need('rule', (v) => typeof v === 'object' && v !== null && isStr((v as Record<string, unknown>).group) && isStr((v as Record<string, unknown>).name));
  need('source', (v) => typeof v === 'object' && v !== null && isNum((v as Record<string, unknown>).partition));
  const v = o.value;
  let value: number;
  if (typeof v === 'number') value = v;
  else if (v === 'NaN') value = NaN;
  else if (v === '+Inf') value = Infinity;
  else if (v === '-Inf') value = -Infinity;
  else throw new Error('alert event: bad or missing field "value"');
  const rule = o.rule as Record<string, string>;
  const source = o.source as Record<string, unknown>;
  return {
    fingerprint: o.fingerprint as string,
    tenant: o.tenant as string,
    labels: o.labels as Record<string, string>,
    annotations: o.annotations as Record<string, string>,
    state: o.state as AlertEventState,
    activeAt: o.activeAt as number,
    firedAt: o.firedAt as number | null,
    resolvedAt: o.resolvedAt as number | null,
    validUntil: o.validUntil as number | null,
    value,
    rule: { group: rule.group!, file: typeof rule.file === 'string' ? rule.file : '', name: rule.name! },
    evalTime: o.evalTime as number,
    generatorURL: o.generatorURL as string,
    source: { partition: source.partition as number, offset: typeof source.offset === 'number' ? source.offset : null },
    resend: o.resend === true,
  };
}
