/**
 * The receivers of tenant policy groups (`policy:<id>`), made at flush time from the policy's
 * row: its e-mail targets through EmailIntegration with the config's global SMTP settings, its
 * Slack targets through SlackIntegration (api_url = the target's URL). Before anything is sent
 * the policy must exist, belong to the group's tenant and be enabled; otherwise the flush sends
 * nothing and counts why. Built pipelines are kept per (policy, revision) for a short while.
 * Targets (webhook URLs above all) are secrets: no error or log line here quotes one.
 */
import type { Clock } from '../clock.js';
import type { StoredGroup } from '../store/manager_groups.js';
import { isUuid } from '../util/uuid.js';
import { policyHead, policyWithTargets, type PolicyHead, type PolicyTargets } from '../store/policy_targets.js';
import type { StorePool } from '../store/pool.js';
import { emailConfigDefaults, slackConfigDefaults, withGlobalSmtp, type GlobalConfig } from './config.js';
import type { Stage } from './pipeline/index.js';
import { policyIdOfReceiver } from './policy_route.js';
import { ReceiverError } from './receivers/common.js';
import { EmailIntegration } from './receivers/email/email.js';
import { notifierDeps, type IntegrationOptions } from './receivers/index.js';
import type { Integration, SendResult } from './receivers/integration.js';
import { SlackIntegration } from './receivers/slack/slack.js';

/** Why a policy group's flush sent nothing. */
export type PolicyDropReason = 'not_found' | 'tenant_mismatch' | 'disabled' | 'invalid_spec';

/** Every drop reason, in the order /metrics lists them. */
export const POLICY_DROP_REASONS: readonly PolicyDropReason[] = ['disabled', 'invalid_spec', 'not_found', 'tenant_mismatch'];

/** Dropped policy notifications (flushes), by reason. */
export type PolicyDropStats = Record<PolicyDropReason, number>;

/** Makes the integrations of a policy's targets. */
export type PolicyIntegrationFactory = (targets: PolicyTargets, global: GlobalConfig) => Integration[];

/** An integration that cannot be built (no SMTP settings, a malformed target): every send fails, not retried. */
class UnavailableIntegration implements Integration {
  readonly sendResolved = true;
  constructor(readonly name: string, readonly index: number, private readonly why: string) {}
  async send(ctx: { receiver: string }): Promise<SendResult> {
    return { retry: false, error: new ReceiverError(`${this.name}: receiver "${ctx.receiver}": ${this.why}`, false) };
  }
}

// A tenant's address or channel is data, never template code, and one address is one recipient.
const ADDRESS = /^[^\s,;<>"{}]+@[^\s,;<>"{}]+$/;
const CHANNEL = /^[^{}]*$/;

/** What policy integrations share beyond their targets. */
export interface PolicyIntegrationOptions extends IntegrationOptions {
  readonly externalURL?: string;
  /** Whether resolved alerts are sent (default true: a tenant hears when its alert ends). */
  readonly sendResolved?: boolean;
}

/** The integrations of a policy's targets: e-mails first, then Slack, each indexed in its kind. */
export function policyIntegrations(targets: PolicyTargets, global: GlobalConfig, o: PolicyIntegrationOptions = {}): Integration[] {
  const deps = notifierDeps(o.externalURL ?? '', o);
  const sendResolved = o.sendResolved ?? true;
  const out: Integration[] = [];
  const smtpMissing = [global.smtp_smarthost ? null : 'smtp_smarthost', global.smtp_from ? null : 'smtp_from'].filter((x) => x !== null);
  targets.email.forEach((to, i) => {
    if (smtpMissing.length > 0) out.push(new UnavailableIntegration('email', i, `no global ${smtpMissing.join(' and ')} set for policy e-mail targets`));
    else if (!ADDRESS.test(to)) out.push(new UnavailableIntegration('email', i, `target alerts.email[${i}] is not one e-mail address`));
    else {
      out.push(new EmailIntegration(withGlobalSmtp(emailConfigDefaults({ to, send_resolved: sendResolved }), global), i, deps));
    }
  });
  targets.slack.forEach((t, i) => {
    let ok = /^https?:\/\//i.test(t.url) && (t.channel === undefined || CHANNEL.test(t.channel));
    let config;
    if (ok) {
      try {
        config = slackConfigDefaults({ api_url: t.url, send_resolved: sendResolved, ...(t.channel !== undefined ? { channel: t.channel } : {}) });
      } catch {
        ok = false;
      }
    }
    out.push(ok && config ? new SlackIntegration(config, i, deps) : new UnavailableIntegration('slack', i, `target alerts.slack[${i}] is not a usable URL and channel`));
  });
  return out;
}

/** How the dispatcher's policy receivers run. */
export interface PolicyReceiversOptions {
  readonly pool: StorePool;
  readonly clock: Clock;
  readonly global: GlobalConfig;
  /** Builds the integrations of a policy's targets. */
  readonly integrations: PolicyIntegrationFactory;
  /** Composes the notification pipeline of a receiver (the dispatcher's, so dedup, retry and nflog are shared). */
  readonly pipeline: (receiver: string, integrations: readonly Integration[]) => Stage;
  /** How long a built pipeline is kept for its (policy, revision) (default 60 s). */
  readonly cacheMs?: number;
}

/** What a policy group's flush goes on with: a pipeline, or the reason it sends nothing. */
export type PolicyResolution = { readonly pipeline: Stage } | { readonly dropped: PolicyDropReason; readonly detail: string };

/** Builds and checks the receivers of policy groups. */
export class PolicyReceivers {
  readonly stats: PolicyDropStats = { disabled: 0, invalid_spec: 0, not_found: 0, tenant_mismatch: 0 };
  private readonly cache = new Map<string, { revision: number; pipeline: Stage; builtAt: number }>();
  private readonly cacheMs: number;

  constructor(private readonly o: PolicyReceiversOptions) {
    this.cacheMs = o.cacheMs ?? 60_000;
  }

  /**
   * The pipeline of a policy group at this flush, after checking the policy still exists,
   * belongs to the group's tenant (its `tenant` group label) and is enabled. Store errors throw.
   */
  async resolve(g: StoredGroup): Promise<PolicyResolution> {
    const id = policyIdOfReceiver(g.receiver);
    const tenant = g.groupLabels.tenant ?? '';
    if (id === null || !isUuid(id) || g.groupLabels.vigil_policy !== id) return this.drop('not_found', 'the group names no policy id');
    const head = await policyHead(this.o.pool, id);
    const refused = this.check(head, tenant);
    if (refused !== null) return refused;
    const now = this.o.clock.now();
    const cached = this.cache.get(id);
    if (cached !== undefined && cached.revision === head!.revision && now - cached.builtAt < this.cacheMs) return { pipeline: cached.pipeline };
    // The row may have changed since the head was read: decide again on what the targets come with.
    const full = await policyWithTargets(this.o.pool, id);
    const again = this.check(full?.head ?? null, tenant);
    if (again !== null) return again;
    if (typeof full!.targets === 'string') return this.drop('invalid_spec', full!.targets);
    const pipeline = this.o.pipeline(g.receiver, this.o.integrations(full!.targets, this.o.global));
    this.sweep(now);
    this.cache.set(id, { revision: full!.head.revision, pipeline, builtAt: now });
    return { pipeline };
  }

  private check(head: PolicyHead | null, tenant: string): PolicyResolution | null {
    if (head === null) return this.drop('not_found', 'the policy does not exist');
    if (head.tenantId !== tenant) return this.drop('tenant_mismatch', 'the policy belongs to another tenant than the alerts');
    if (!head.enabled) return this.drop('disabled', 'the policy is disabled');
    return null;
  }

  private drop(reason: PolicyDropReason, detail: string): PolicyResolution {
    this.stats[reason]++;
    return { dropped: reason, detail };
  }

  /** Forgets pipelines past their time, so deleted policies' do not pile up. */
  private sweep(now: number): void {
    for (const [id, c] of this.cache) if (now - c.builtAt >= this.cacheMs) this.cache.delete(id);
  }
}
