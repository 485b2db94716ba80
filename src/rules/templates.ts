/**
 * The rules' view of Go templates in alert labels and annotations: Prometheus's
 * convenience variables ($labels, $value, ...) and its error text on failure.
 */
import type { Labels } from '../promql/labels.js';
import { labelsToRecord } from '../promql/labels.js';
import { parseExpr } from '../promql/parser.js';
import {
  ALERT_TEMPLATE_HEADER,
  alertTemplateName,
  expandAlertText,
  prometheusEngine,
  type TemplateQueryFn,
} from '../template/prometheus.js';
import { TemplateParseError } from '../template/parse.js';
import { queryVector, type RuleContext } from './rule.js';

/** What an alert template sees. */
export interface AlertTemplateInput {
  labels: Labels;
  value: number;
  externalLabels: Record<string, string>;
  externalURL: string;
  /** Evaluation time (ms), for template functions that query. */
  timestampMs: number;
  /** Lets template functions such as `query` run PromQL; absent in parse checks. */
  ctx?: RuleContext;
}

/**
 * Parse-checks a label/annotation template of alert `alertName`, as rulefmt's
 * testTemplateParsing does; returns the error text or null.
 */
export function checkAlertTemplate(alertName: string, text: string): string | null {
  try {
    prometheusEngine({ timestampMs: 0 }).parse(alertTemplateName(alertName), ALERT_TEMPLATE_HEADER + text);
    return null;
  } catch (e) {
    if (e instanceof TemplateParseError) return e.message;
    return `panic parsing template: ${(e as Error).message}`;
  }
}

/** The `query` template function over the rule's engine and storage (Prometheus's rule QueryFunc). */
function templateQuery(ctx: RuleContext): TemplateQueryFn {
  return (q, t) =>
    queryVector(ctx, parseExpr(q), t).map((s) => ({ labels: labelsToRecord(s.metric), value: s.v }));
}

/** Expands a template; on failure returns Prometheus's `<error expanding template: ...>`. */
export function expandForAlert(alertName: string, text: string, input: AlertTemplateInput): string {
  // Most label values hold no template: skip the parser for them.
  if (!text.includes('{{')) return text;
  return expandAlertText(
    alertName,
    text,
    {
      labels: labelsToRecord(input.labels),
      externalLabels: input.externalLabels,
      externalURL: input.externalURL,
      value: input.value,
    },
    { timestampMs: input.timestampMs, ...(input.ctx ? { query: templateQuery(input.ctx) } : {}) },
  );
}
