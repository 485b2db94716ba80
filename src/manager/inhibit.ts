/**
 * Inhibition (Alertmanager inhibit/): a firing source alert mutes target alerts that agree
 * with it on the `equal` labels. An alert matching both sides is not muted by a source that
 * also matches both sides, so a rule never silences all of a set of alerts on its own.
 */
import type { InhibitRuleConfig } from './config.js';
import { isResolved, type Alert } from './alert.js';
import { matchesAll } from './matchers.js';

/** The rules with, for each, the firing alerts that match its source side at one time. */
export class InhibitionSnapshot {
  private readonly sources: { rule: InhibitRuleConfig; alerts: Alert[] }[];

  constructor(rules: readonly InhibitRuleConfig[], alerts: readonly Alert[], now: number) {
    const firing = alerts.filter((a) => !isResolved(a, now));
    this.sources = rules.map((rule) => ({ rule, alerts: firing.filter((a) => matchesAll(rule.sourceMatchers, a.labels)) }));
  }

  /** The fingerprint of an alert that inhibits these labels, or null. */
  inhibitedBy(labels: Readonly<Record<string, string>>): string | null {
    for (const { rule, alerts } of this.sources) {
      if (!matchesAll(rule.targetMatchers, labels)) continue;
      const twoSided = matchesAll(rule.sourceMatchers, labels);
      for (const a of alerts) {
        if (!rule.equal.every((n) => (a.labels[n] ?? '') === (labels[n] ?? ''))) continue;
        if (twoSided && matchesAll(rule.targetMatchers, a.labels)) continue;
        return a.fingerprint;
      }
    }
    return null;
  }
}
