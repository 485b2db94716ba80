/**
 * The data Alertmanager gives notification templates (template/template.go: Data, Alert,
 * Alerts, KV, Pairs) as template values, with their methods: .Alerts.Firing,
 * .CommonLabels.SortedPairs, .Remove, .Names, .Values, and String() for printing.
 */
import type { NotifyAlert } from './alert.js';
import { GoTime } from '../template/gotime.js';
import { quoteMeta } from '../promql/re2_syntax.js';
import {
  compareGoStrings, goFunc, GoMap, GoSlice, GoStruct, sliceItems, typeName, type GoValue, type ParamType, type TemplateFunc,
} from '../template/values.js';

/** Go's zero time.Time, which a never-ending alert's EndsAt holds. */
export const ZERO_TIME_MS = -62135596800000;

/** A Go []string, as .Names/.Values/stringSlice return. */
export function stringSlice(items: readonly string[]): GoSlice {
  return new GoSlice('[]string', items);
}

/** A parameter of type []string. */
export const STRING_SLICE: ParamType = {
  name: '[]string',
  nilable: true,
  accepts: (v) => sliceItems(v)?.every((x) => typeof x === 'string') ?? false,
};

function strings(v: GoValue): string[] {
  return (sliceItems(v) ?? []) as string[];
}

/** template.Pairs: name/value pairs with Names, Values and String. */
export class Pairs extends GoSlice {
  constructor(readonly pairs: readonly (readonly [string, string])[]) {
    super('template.Pairs', pairs.map(([n, v]) => new GoStruct('template.Pair', new Map([['Name', n], ['Value', v]]))));
  }
  override method(name: string): TemplateFunc | undefined {
    switch (name) {
      case 'Names': return goFunc([], () => stringSlice(this.pairs.map((p) => p[0])));
      case 'Values': return goFunc([], () => stringSlice(this.pairs.map((p) => p[1])));
      case 'String': return goFunc([], () => this.stringer());
    }
    return undefined;
  }
  override stringer(): string {
    return this.pairs.map(([n, v]) => `${n}=${v}`).join(', ');
  }
}

/** template.KV: a label or annotation set; SortedPairs puts alertname first. */
export class KV extends GoMap {
  constructor(readonly record: Readonly<Record<string, string>>) {
    super('template.KV', new Map(Object.entries(record)), '');
  }
  /** Sorted pairs, alertname first as Alertmanager orders them. */
  sortedPairs(): Pairs {
    const keys = Object.keys(this.record).filter((k) => k !== 'alertname').sort(compareGoStrings);
    if (Object.prototype.hasOwnProperty.call(this.record, 'alertname')) keys.unshift('alertname');
    return new Pairs(keys.map((k) => [k, this.record[k]!] as const));
  }
  override method(name: string): TemplateFunc | undefined {
    switch (name) {
      case 'SortedPairs': return goFunc([], () => this.sortedPairs());
      case 'Names': return goFunc([], () => stringSlice(this.sortedPairs().pairs.map((p) => p[0])));
      case 'Values': return goFunc([], () => stringSlice(this.sortedPairs().pairs.map((p) => p[1])));
      case 'Remove': return goFunc([STRING_SLICE], (keys: GoValue) => {
        const drop = new Set(strings(keys));
        return new KV(Object.fromEntries(Object.entries(this.record).filter(([k]) => !drop.has(k))));
      });
      case 'String': return goFunc([], () => this.stringer());
    }
    return undefined;
  }
  override stringer(): string {
    return this.sortedPairs().stringer();
  }
}

/** A struct that also knows its JSON form (for toJson and webhook-like payloads). */
export class JsonStruct extends GoStruct {
  constructor(goType: string, fields: ReadonlyMap<string, GoValue>, readonly json: unknown, pointer = false) {
    super(goType, fields, pointer);
  }
}

function rfc3339(ms: number): string {
  // RFC3339Nano drops trailing zeros of the fraction.
  return ms === ZERO_TIME_MS ? '0001-01-01T00:00:00Z' : new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

/** One alert as templates see it (template.Alert). */
export function templateAlert(a: NotifyAlert): JsonStruct {
  const endsAt = a.endsAt === 0 ? ZERO_TIME_MS : a.endsAt;
  const status = a.resolved ? 'resolved' : 'firing';
  return new JsonStruct('template.Alert', new Map<string, GoValue>([
    ['Status', status],
    ['Labels', new KV(a.labels)],
    ['Annotations', new KV(a.annotations)],
    ['StartsAt', new GoTime(a.startsAt)],
    ['EndsAt', new GoTime(endsAt)],
    ['GeneratorURL', a.generatorURL],
    ['Fingerprint', a.fingerprint],
  ]), {
    status, labels: a.labels, annotations: a.annotations, startsAt: rfc3339(a.startsAt), endsAt: rfc3339(endsAt),
    generatorURL: a.generatorURL, fingerprint: a.fingerprint,
  });
}

function statusOf(v: GoValue): GoValue {
  return v instanceof GoStruct ? v.fields.get('Status') : undefined;
}

/** template.Alerts, with Firing and Resolved. */
export class AlertsValue extends GoSlice {
  constructor(items: readonly GoValue[]) {
    super('template.Alerts', items);
  }
  override method(name: string): TemplateFunc | undefined {
    switch (name) {
      case 'Firing': return goFunc([], () => new GoSlice('[]template.Alert', this.items.filter((a) => statusOf(a) === 'firing')));
      case 'Resolved': return goFunc([], () => new GoSlice('[]template.Alert', this.items.filter((a) => statusOf(a) === 'resolved')));
    }
    return undefined;
  }
}

function common(maps: readonly Readonly<Record<string, string>>[]): Record<string, string> {
  if (maps.length === 0) return {};
  const out: Record<string, string> = { ...maps[0] };
  for (const m of maps.slice(1)) for (const k of Object.keys(out)) if (m[k] !== out[k]) delete out[k];
  return out;
}

/** What one notification is about. */
export interface NotificationInput {
  readonly receiver: string;
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly alerts: readonly NotifyAlert[];
  readonly externalURL: string;
}

/** The template data of one notification (*template.Data). */
export function templateData(n: NotificationInput): JsonStruct {
  const alerts = n.alerts.map(templateAlert);
  const status = n.alerts.some((a) => !a.resolved) ? 'firing' : 'resolved';
  const commonLabels = common(n.alerts.map((a) => a.labels));
  const commonAnnotations = common(n.alerts.map((a) => a.annotations));
  // Alertmanager applies Go's regexp.QuoteMeta to the receiver name.
  const receiver = quoteMeta(n.receiver);
  return new JsonStruct('*template.Data', new Map<string, GoValue>([
    ['Receiver', receiver],
    ['Status', status],
    ['Alerts', new AlertsValue(alerts)],
    ['GroupLabels', new KV(n.groupLabels)],
    ['CommonLabels', new KV(commonLabels)],
    ['CommonAnnotations', new KV(commonAnnotations)],
    ['ExternalURL', n.externalURL],
  ]), {
    receiver, status, alerts: alerts.map((a) => a.json), groupLabels: n.groupLabels, commonLabels, commonAnnotations,
    externalURL: n.externalURL,
  }, true);
}

/** A template value as encoding/json would write it (for toJson). */
export function jsonOf(v: GoValue): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'object') return v;
  if (v instanceof JsonStruct) return v.json;
  if (v instanceof GoTime) return rfc3339(v.epochMs);
  if (v instanceof KV) return v.record;
  if (v instanceof GoMap) return Object.fromEntries([...v.entries].map(([k, x]) => [k, jsonOf(x)]));
  if (v instanceof GoStruct) return Object.fromEntries([...v.fields].map(([k, x]) => [k, jsonOf(x)]));
  const items = sliceItems(v);
  if (items) return items.map(jsonOf);
  throw new Error(`json: unsupported type: ${typeName(v)}`);
}
