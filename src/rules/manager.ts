/**
 * The set of rule groups loaded from files, and their reload: groups that did not
 * change are kept as they are; changed ones take over the state of their
 * predecessors' matching rules, as Prometheus's rules.Manager.Update does.
 */
import { RuleGroup, type RuleGroupOptions } from './group.js';
import type { RuleContext } from './rule.js';
import type { RuleFile } from './schema.js';
import type { AlertingRule } from './alerting.js';

/** A loaded rule file to install. */
export interface ManagedRuleFile {
  readonly path: string;
  readonly file: RuleFile;
}

/** Holds the current groups, keyed by file and name, in file order. */
export class RuleManager {
  private groups = new Map<string, RuleGroup>();
  /** Groups removed by the last update whose series still need stale markers. */
  private removed: RuleGroup[] = [];

  constructor(private readonly opts: RuleGroupOptions = {}) {}

  /**
   * Replaces the rule set. Throws (and keeps the old set) if a group cannot be built,
   * e.g. a bad expression in a file that skipped validation.
   */
  update(files: readonly ManagedRuleFile[]): void {
    const next = new Map<string, RuleGroup>();
    for (const { path, file } of files) {
      for (const spec of file.groups) {
        const g = new RuleGroup(spec, { ...this.opts, file: path });
        next.set(g.key(), g);
      }
    }
    for (const [key, g] of next) {
      const old = this.groups.get(key);
      if (old === undefined) continue;
      if (old.equals(g)) next.set(key, old);
      else g.copyState(old);
    }
    for (const [key, old] of this.groups) if (!next.has(key)) this.removed.push(old);
    this.groups = next;
  }

  /** The current groups, in load order. */
  ruleGroups(): RuleGroup[] {
    return [...this.groups.values()];
  }

  /** All alerting rules of all groups. */
  alertingRules(): AlertingRule[] {
    return this.ruleGroups().flatMap((g) => g.alertingRules());
  }

  /**
   * Marks the series of groups removed by reloads stale at `t` (Prometheus does this
   * when it stops a removed group). Call before evaluating at `t`.
   */
  flushRemoved(t: number, ctx: RuleContext): void {
    for (const g of this.removed) {
      for (const lset of g.allSeries()) {
        try {
          ctx.appender.appendStale(lset, t - g.queryOffset);
        } catch {
          // Out-of-order or duplicate: the series was already written at t.
        }
      }
    }
    this.removed = [];
  }
}
