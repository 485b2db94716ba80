/**
 * Random alerting rules in the style of the conformance sample: `for`, `keep_firing_for`,
 * templated labels and annotations ($value, $labels, humanize*, printf, conditionals),
 * sometimes fed by a recording rule of the same group.
 */
import { ExprGenerator } from './expr_gen.js';
import type { Rng } from './rng.js';
import type { SeriesWorld } from './series_gen.js';

/** One generated alerting or recording rule. */
export interface GeneratedRule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly keepFiringFor?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A rule group. */
export interface GeneratedGroup {
  readonly name: string;
  readonly interval: string | null;
  readonly rules: readonly GeneratedRule[];
}

const ALERT_EXPRS: readonly ((r: Rng) => string)[] = [
  () => `up == 0`,
  (r) => `up{job="${r.pick(['api', 'db'])}"} == ${r.pick(['0', '1'])}`,
  (r) => `count by (job) (up == 1) < ${r.int(1, 3)}`,
  (r) => `avg_over_time(cpu_usage_percent[${r.pick(['1m', '2m', '5m'])}]) > ${r.int(30, 70)}`,
  (r) => `cpu_usage_percent > ${r.int(30, 80)}`,
  (r) => `increase(http_requests_total[${r.pick(['2m', '5m'])}]) > ${r.int(10, 80)}`,
  (r) => `sum by (job) (rate(http_requests_total{code="500"}[5m])) / sum by (job) (rate(http_requests_total[5m])) > ${r.pick(['0.05', '0.3', '0.5'])}`,
  (r) => `predict_linear(node_filesystem_avail_bytes[${r.pick(['5m', '10m'])}], ${r.pick(['300', '1800', '3600'])}) < ${r.int(0, 300)}`,
  (r) => `node_filesystem_avail_bytes / node_filesystem_size_bytes < ${r.pick(['0.2', '0.4', '0.6'])}`,
  (r) => `absent(up{job="${r.pick(['api', 'db', 'web', 'nope'])}"})`,
  (r) => `absent_over_time(cpu_usage_percent{instance="${r.pick(['a', 'b'])}"}[${r.pick(['1m', '3m'])}])`,
  (r) => `rate(http_requests_total[${r.pick(['1m', '3m'])}]) > ${r.pick(['0', '0.2', '0.5'])}`,
  (r) => `changes(up[${r.pick(['3m', '5m'])}]) >= ${r.int(1, 3)}`,
  (r) => `histogram_quantile(${r.pick(['0.5', '0.9'])}, sum by (le) (rate(req_duration_seconds_bucket[5m]))) > ${r.pick(['0.1', '0.5'])}`,
  (r) => `max by (job) (cpu_usage_percent) > ${r.int(40, 90)} unless on(job) count by (job) (up == 0) > 1`,
];

const ANNOTATIONS: readonly string[] = [
  'value {{ $value | humanize }} on {{ $labels.job }}',
  '{{ $labels.instance }} is at {{ $value }}',
  '{{ printf "%.2f" $value }} for {{ $labels.instance }}',
  'ratio {{ $value | humanizePercentage }}',
  'static text',
  '{{ $value | humanize1024 }}B',
  'took {{ $value | humanizeDuration }}',
  '{{ if gt $value 50.0 }}high{{ else }}low{{ end }} {{ $value | printf "%.1f" }}',
  '{{ with $labels.job }}job={{ . }}{{ else }}no job{{ end }}',
  '{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}',
  '{{ $labels.instance | toUpper }} / {{ title "hello world" }}',
  '{{ reReplaceAll "(a|b)" "X" $labels.instance }} {{ len $labels }}',
  '{{ $value | printf "%5.1f|%-8s|" }}',
  '{{ printf "%d %s %v %g %e %x" 42 "s" $value $value $value 255 }}',
  '{{ humanizeTimestamp $value }}',
  '{{ $externalLabels.cluster }} {{ $externalURL }}',
  '{{ with query "count(up == 1)" }}{{ . | first | value }}{{ end }}',
  '{{ $value | humanize }} {{ 0.000123 | humanize }} {{ 123456789 | humanize }} {{ -5.5 | humanize }}',
  '{{ $value | humanizePercentage }} {{ 1.5e-7 | humanizeDuration }} {{ 90061 | humanizeDuration }} {{ 0 | humanizeDuration }}',
  '{{ if and (ge $value 1.0) (ne $labels.job "db") }}yes{{ end }}{{ if or (lt $value 0.5) (eq $labels.instance "a" "b") }}or{{ end }}',
  '{{ or $labels.code "none" }}',
  '{{ js "a\'b" }} {{ urlquery "a b&c" }} {{ html "<b>" }} {{ index $labels "job" }} {{ stripPort "h:80" }}',
  '{{ 1234.5678 | humanize1024 }} {{ $value | printf "%03.0f" }}',
];

const LABEL_TEMPLATES: readonly string[] = [
  '{{ $labels.job }}', 'page', 'ticket', '{{ if gt $value 50.0 }}critical{{ else }}warning{{ end }}', '{{ $labels.instance }}-x',
];

/** Generates one rule group and the alert names it defines. */
export function generateAlertGroup(rng: Rng, world: SeriesWorld, groupIndex: number): { group: GeneratedGroup; alerts: string[] } {
  const rules: GeneratedRule[] = [];
  const alerts: string[] = [];
  const gen = new ExprGenerator(rng, world, { boundarySensitive: true });
  if (rng.chance(0.3)) {
    rules.push({ record: `job:cpu:avg${groupIndex}`, expr: `avg by (job) (cpu_usage_percent)`, labels: {}, annotations: {} });
  }
  const n = rng.int(3, 7);
  for (let i = 0; i < n; i++) {
    const name = `A${groupIndex}_${i}`;
    let expr: string;
    if (rules.length > 0 && rules[0]!.record !== undefined && rng.chance(0.3)) expr = `${rules[0]!.record} > ${rng.int(30, 60)}`;
    else if (rng.chance(0.25)) expr = `${gen.vector(1).text} > ${rng.pick(['0', '1', '10', '50'])}`;
    else expr = rng.pick(ALERT_EXPRS)(rng);
    const labels: Record<string, string> = {};
    if (rng.chance(0.8)) labels['severity'] = rng.pick(['page', 'ticket', LABEL_TEMPLATES[3]!]);
    if (rng.chance(0.4)) labels['team'] = rng.pick(LABEL_TEMPLATES);
    const annotations: Record<string, string> = {};
    if (rng.chance(0.9)) annotations['summary'] = rng.pick(ANNOTATIONS);
    if (rng.chance(0.3)) annotations['description'] = rng.pick(ANNOTATIONS);
    rules.push({
      alert: name, expr, labels, annotations,
      for: rng.pick(['0s', '1m', '2m', '3m', '5m', '90s', '']),
      keepFiringFor: rng.chance(0.5) ? rng.pick(['1m', '3m', '5m', '30s']) : '',
    });
    alerts.push(name);
  }
  const interval = rng.chance(0.15) ? rng.pick(['30s', '2m']) : null;
  return { group: { name: `g${groupIndex}`, interval, rules }, alerts };
}
