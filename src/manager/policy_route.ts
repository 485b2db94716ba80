/**
 * The synthetic route of tenant alert policies. An alert with both a `vigil_policy` and a
 * `tenant` label (what a compiled tenant policy emits) skips the operator's route tree and
 * goes here: grouped by tenant, policy and alertname, one aggregation group per receiver
 * `policy:<id>`, whose integrations are the policy's own targets (policy_receivers.ts).
 */
import type { Route } from './route.js';

/** The policy route's id in manager_groups.route_id; operator route ids start with `{`, so none collides. */
export const POLICY_ROUTE_ID = 'policy';

/** Receivers of policy groups are named `policy:<policy id>`. */
const RECEIVER_PREFIX = 'policy:';

/** How policy alerts are grouped and timed. */
export interface PolicyRouteOptions {
  /**
   * Labels a policy group is keyed by. Default: tenant, vigil_policy, alertname — one
   * notification lists every machine of a policy that fires, rather than one per machine.
   * tenant and vigil_policy are always added: the flush checks the policy against them.
   */
  readonly groupBy?: readonly string[];
  readonly groupWaitMs?: number;
  readonly groupIntervalMs?: number;
  readonly repeatIntervalMs?: number;
}

/** The default grouping of policy alerts. */
export const DEFAULT_POLICY_GROUP_BY: readonly string[] = ['tenant', 'vigil_policy', 'alertname'];

/** Whether an alert belongs to a tenant policy (and so to the policy route). */
export function isPolicyAlert(labels: Readonly<Record<string, string>>): boolean {
  return (labels.vigil_policy ?? '') !== '' && (labels.tenant ?? '') !== '';
}

/** The receiver name of a policy's groups. */
export function policyReceiverName(policyId: string): string {
  return `${RECEIVER_PREFIX}${policyId}`;
}

/** The policy id of a policy receiver name, or null for an operator receiver. */
export function policyIdOfReceiver(receiver: string): string | null {
  return receiver.startsWith(RECEIVER_PREFIX) ? receiver.slice(RECEIVER_PREFIX.length) : null;
}

function positive(name: string, v: number | undefined, fallback: number): number {
  const out = v ?? fallback;
  if (!Number.isInteger(out) || out < (name === 'groupWaitMs' ? 0 : 1)) throw new Error(`policy route: ${name} must be a ${name === 'groupWaitMs' ? 'non-negative' : 'positive'} integer, got ${v}`);
  return out;
}

/** The synthetic route (Alertmanager's defaults: group_wait 30 s, group_interval 5 m, repeat 4 h). */
export function policyRoute(o: PolicyRouteOptions = {}): Route {
  const groupBy = [...new Set(['tenant', 'vigil_policy', ...(o.groupBy ?? DEFAULT_POLICY_GROUP_BY)])];
  for (const l of groupBy) if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(l)) throw new Error(`policy route: invalid label name "${l}" in groupBy`);
  return Object.freeze({
    id: POLICY_ROUTE_ID,
    // Group keys read `{}/policy:{alertname="...",tenant="...",vigil_policy="..."}`.
    key: '{}/policy',
    receiver: '',
    groupBy,
    matchers: [],
    continue: false,
    groupWait: positive('groupWaitMs', o.groupWaitMs, 30_000),
    groupInterval: positive('groupIntervalMs', o.groupIntervalMs, 300_000),
    repeatInterval: positive('repeatIntervalMs', o.repeatIntervalMs, 4 * 3600_000),
    muteTimeIntervals: [],
    activeTimeIntervals: [],
    routes: [],
  });
}
