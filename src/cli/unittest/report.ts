/** promtool's failure messages for rule unit tests, byte for byte. */
import { compareLabels, labelsEqual, labelsToBraces, type Labels } from '../../promql/labels.js';
import { goQuote } from '../../util/go_quote.js';
import { formatDuration } from '../../promql/duration.js';
import { formatFloatE } from './go_format.js';

/** An alert as the tests compare it: its labels and annotations. */
export interface AlertView {
  readonly labels: Labels;
  readonly annotations: Labels;
}

/** A sample as the tests compare it. */
export interface SampleView {
  readonly labels: Labels;
  readonly value: number;
}

/** Orders alerts by labels, then annotations (promtool's labelsAndAnnotations.Less). */
export function compareAlerts(a: AlertView, b: AlertView): number {
  return compareLabels(a.labels, b.labels) || compareLabels(a.annotations, b.annotations);
}

/** True if both lists hold the same alerts in the same order. */
export function alertsEqual(a: readonly AlertView[], b: readonly AlertView[]): boolean {
  return a.length === b.length && a.every((x, i) => labelsEqual(x.labels, b[i]!.labels) && labelsEqual(x.annotations, b[i]!.annotations));
}

/** Prefixes every line but the first with `indent` (promtool's indentLines). */
export function indentLines(lines: string, indent: string): string {
  return lines.split('\n').join('\n' + indent);
}

/** promtool's labelsAndAnnotations.String(). */
export function alertsToString(alerts: readonly AlertView[]): string {
  if (alerts.length === 0) return '[]';
  const one = (a: AlertView) => indentLines(`\nLabels:${labelsToBraces(a.labels)}\nAnnotations:${labelsToBraces(a.annotations)}`, '  ');
  return `[\n${alerts.map((a, i) => `${i}:${one(a)}`).join(',\n')}\n]`;
}

/** promtool's parsedSamplesString(): `nil` or `{labels} 1E+00, ...`. */
export function samplesToString(samples: readonly SampleView[]): string {
  if (samples.length === 0) return 'nil';
  return samples.map((s) => `${labelsToBraces(s.labels)} ${formatFloatE(s.value)}`).join(', ');
}

/** The failure of an alert_rule_test case. */
export function alertFailure(groupName: string, alertname: string, evalTime: number, exp: readonly AlertView[], got: readonly AlertView[]): string {
  const name = groupName !== '' ? `    name: ${groupName},\n` : '';
  const pad = ' '.repeat(12);
  return `${name}    alertname: ${alertname}, time: ${formatDuration(evalTime)}, \n        exp:${indentLines(alertsToString(exp), pad)}, \n        got:${indentLines(alertsToString(got), pad)}`;
}

/** The failure of a promql_expr_test case whose result differs. */
export function exprFailure(expr: string, evalTime: number, exp: readonly SampleView[], got: readonly SampleView[]): string {
  return `    expr: ${goQuote(expr)}, time: ${formatDuration(evalTime)},\n        exp: ${samplesToString(exp)}\n        got: ${samplesToString(got)}`;
}

/** The failure of a promql_expr_test case that could not be run. */
export function exprError(expr: string, evalTime: number, message: string): string {
  return `    expr: ${goQuote(expr)}, time: ${formatDuration(evalTime)}, err: ${message}`;
}

/**
 * Relative difference under which an expected and a computed value match. promtool 2.42
 * compares float64s exactly; Vigil allows this much so that the order in which a sum
 * adds its terms (which differs between engines, and between promtool runs) never fails
 * a test, while a value written to 10 significant digits still has to be right.
 */
export const VALUE_TOLERANCE = 1e-12;

/**
 * True if a computed value matches the expected one: equal, both NaN (promtool 2.42 can
 * never match an expected NaN; Vigil can), within VALUE_TOLERANCE, or with
 * `fuzzy_compare` (Prometheus 3) one float step apart.
 */
export function valuesMatch(exp: number, got: number, fuzzy = false): boolean {
  if (exp === got) return true;
  if (Number.isNaN(exp) && Number.isNaN(got)) return true;
  if (Number.isFinite(exp) && Number.isFinite(got) && Math.abs(exp - got) <= VALUE_TOLERANCE * Math.max(Math.abs(exp), Math.abs(got))) {
    return true;
  }
  return fuzzy && (nextFloat(exp, -Infinity) === got || nextFloat(exp, Infinity) === got);
}

const scratch = new DataView(new ArrayBuffer(8));

/** Go's math.Nextafter: the float next to x in the direction of y. */
export function nextFloat(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === y) return x;
  if (x === 0) return y > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  scratch.setFloat64(0, x);
  const bits = scratch.getBigUint64(0);
  // Moving away from zero grows the magnitude's bit pattern; toward zero shrinks it.
  scratch.setBigUint64(0, (y > x) === (x > 0) ? bits + 1n : bits - 1n);
  return scratch.getFloat64(0);
}

/** True if both sorted lists hold the same series with matching values (see valuesMatch). */
export function samplesEqual(exp: readonly SampleView[], got: readonly SampleView[], fuzzy = false): boolean {
  return exp.length === got.length && exp.every((e, i) => labelsEqual(e.labels, got[i]!.labels) && valuesMatch(e.value, got[i]!.value, fuzzy));
}
