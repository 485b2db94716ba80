/**
 * Alerts as Prometheus hands them to its notifier (rules.SendAlerts): the shape the
 * evaluator turns into alert events.
 */
import type { Labels } from '../promql/labels.js';
import type { Alert } from './alerting.js';

/** An alert as sent to an alert manager. Times in ms; endsAt is when it stops being valid or resolved. */
export interface OutgoingAlert {
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  endsAt: number;
  generatorURL: string;
}

/** Go's url.QueryEscape: only A-Za-z0-9 and -_.~ stay; space becomes '+'. */
export function goQueryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

/** Prometheus's strutil.TableLinkForExpression. */
export function tableLinkForExpression(expr: string): string {
  return `/graph?g0.expr=${goQueryEscape(expr)}&g0.tab=1`;
}

/**
 * Converts an alert for sending: startsAt is FiredAt (as Prometheus sends), endsAt the
 * resolution time for a resolved alert, else validUntil.
 */
export function toOutgoingAlert(alert: Alert, expr: string, externalURL: string): OutgoingAlert {
  return {
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: alert.firedAt ?? alert.activeAt,
    endsAt: alert.resolvedAt ?? alert.validUntil ?? alert.activeAt,
    generatorURL: externalURL + tableLinkForExpression(expr),
  };
}
