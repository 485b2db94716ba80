/**
 * The API's view of the evaluators: their /api/v1/rules narrowed to one tenant's policy
 * group, and /api/v1/query (with an already tenant-scoped query) merged over them. Every
 * evaluator holds every rule but only its partitions' series and alerts, so a group's rules
 * are merged by position and query results are concatenated. What comes back is filtered
 * again by tenant, so an evaluator's mistake cannot show another tenant's data.
 */
import { mergeRuleGroupJson } from '../evaluate/api_json.js';
import { ApiError } from './errors.js';

/** How the evaluators are reached. */
export interface EvaluatorsOptions {
  /** Base URLs, e.g. `http://10.0.0.5:9090`. */
  readonly urls: readonly string[];
  readonly timeoutMs?: number;
}

interface PromEnvelope {
  status?: string;
  errorType?: string;
  error?: string;
  data?: unknown;
  warnings?: string[];
}

/** `name` is `#<n>`: tenants are not told the evaluators' internal addresses. */
type Answer = { name: string; ok: true; body: PromEnvelope; status: number } | { name: string; ok: false; error: string };

/** A rule of /api/v1/rules, as the evaluator sent it. */
type ApiRule = Record<string, unknown> & { alerts?: { labels?: Record<string, string> }[]; health?: string; lastError?: string };
type ApiGroup = Record<string, unknown> & { name?: string; file?: string; rules?: ApiRule[] };
type SeriesResult = { metric?: Record<string, string> };

/** The evaluators of the deployment. */
export class Evaluators {
  private readonly timeoutMs: number;
  constructor(private readonly opts: EvaluatorsOptions) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  private async ask(path: string, params: URLSearchParams): Promise<Answer[]> {
    if (this.opts.urls.length === 0) throw new ApiError('unavailable', 'no evaluators are configured');
    return Promise.all(this.opts.urls.map(async (url, i): Promise<Answer> => {
      const name = `#${i + 1}`;
      try {
        const res = await fetch(`${url}${path}?${params.toString()}`, { signal: AbortSignal.timeout(this.timeoutMs) });
        const body = (await res.json()) as PromEnvelope;
        return { name, ok: true, body, status: res.status };
      } catch (e) {
        return { name, ok: false, error: e instanceof Error && e.name === 'TimeoutError' ? 'timed out' : 'unreachable or not JSON' };
      }
    }));
  }

  /** `data` of /api/v1/rules with only the tenant's policy group (from rule-set `file`), merged over the evaluators. */
  async tenantRules(tenant: string, file: string, groupName: string): Promise<{ data: { groups: ApiGroup[] }; warnings: string[] }> {
    const params = new URLSearchParams();
    params.append('rule_group[]', groupName);
    params.append('file[]', file);
    const answers = await this.ask('/api/v1/rules', params);
    const warnings: string[] = [];
    let merged: ApiGroup | null = null;
    let answered = 0;
    for (const a of answers) {
      if (!a.ok || a.body.status !== 'success') {
        warnings.push(`evaluator ${a.name}: ${a.ok ? a.body.error ?? `status ${a.status}` : a.error}`);
        continue;
      }
      answered++;
      const groups = ((a.body.data as { groups?: ApiGroup[] } | undefined)?.groups ?? []);
      for (const g of groups) {
        if (g.file !== file || g.name !== groupName) continue;
        const rules = (g.rules ?? []).map((r) => onlyTenantAlerts(r, tenant));
        merged = merged === null ? { ...g, rules } : mergeRuleGroupJson<ApiRule, ApiGroup>(merged, { ...g, rules });
      }
    }
    if (answered === 0) throw new ApiError('unavailable', `no evaluator answered: ${warnings.join('; ')}`);
    return { data: { groups: merged === null ? [] : [merged] }, warnings };
  }

  /** `data` of /api/v1/query for an already scoped query, merged over the evaluators. */
  async query(query: string, time: string | null, tenant: string): Promise<{ data: { resultType: string; result: unknown }; warnings: string[] }> {
    const params = new URLSearchParams({ query });
    if (time !== null && time !== '') params.set('time', time);
    const answers = await this.ask('/api/v1/query', params);
    const warnings: string[] = [];
    let out: { resultType: string; result: unknown } | null = null;
    const seen = new Set<string>();
    for (const a of answers) {
      if (!a.ok) {
        warnings.push(`evaluator ${a.name}: ${a.error}`);
        continue;
      }
      if (a.body.status !== 'success') {
        // A query fault (bad_data, execution) is the same on every evaluator: pass it on.
        if (a.body.errorType === 'bad_data') throw new ApiError('bad_data', a.body.error ?? 'bad query', [{ path: 'query', message: a.body.error ?? 'bad query' }]);
        if (a.body.errorType === 'execution') throw new ApiError('execution', a.body.error ?? 'query execution failed');
        warnings.push(`evaluator ${a.name}: ${a.body.error ?? `status ${a.status}`}`);
        continue;
      }
      const d = a.body.data as { resultType: string; result: unknown };
      if (d.resultType === 'vector' || d.resultType === 'matrix') {
        if (out === null) out = { resultType: d.resultType, result: [] };
        for (const s of d.result as SeriesResult[]) {
          // Series keep their tenant label unless aggregated away; one that names another tenant is dropped.
          if (s.metric?.tenant !== undefined && s.metric.tenant !== tenant) continue;
          const key = JSON.stringify(Object.entries(s.metric ?? {}).sort());
          if (seen.has(key)) continue;
          seen.add(key);
          (out.result as SeriesResult[]).push(s);
        }
      } else if (out === null) {
        out = d;
      }
    }
    if (out === null) throw new ApiError('unavailable', `no evaluator answered: ${warnings.join('; ')}`);
    return { data: out, warnings };
  }
}

function onlyTenantAlerts(r: ApiRule, tenant: string): ApiRule {
  if (!Array.isArray(r.alerts)) return r;
  return { ...r, alerts: r.alerts.filter((a) => a.labels?.tenant === tenant) };
}
