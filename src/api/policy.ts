/**
 * Alert policies of the tenant API: the body schema (zod, the single source of the
 * PolicySpec type), its validation with every fault named by its field path, and PATCH
 * merging. See docs/tenant-api.md, "Policies".
 */
import { z } from 'zod';

/** The metric types a policy can watch; compile.ts maps each to node_exporter metrics. */
export const POLICY_TYPES = [
  'cpu', 'memory_utilization_percent', 'disk_utilization_percent', 'load_1', 'load_5', 'load_15',
  'disk_read', 'disk_write', 'network_inbound', 'network_outbound',
] as const;
/** One of POLICY_TYPES. */
export type PolicyType = typeof POLICY_TYPES[number];

/** Comparison operators of a policy. */
export const POLICY_COMPARES = ['GreaterThan', 'LessThan'] as const;
/** Windows the value is averaged over. */
export const POLICY_WINDOWS = ['5m', '10m', '30m', '1h'] as const;

/** Types whose value is a percentage, so a threshold outside [0, 100] can never be crossed meaningfully. */
const PERCENT_TYPES: ReadonlySet<PolicyType> = new Set(['cpu', 'memory_utilization_percent', 'disk_utilization_percent']);

/** List limits, so one policy cannot compile to an unbounded rule. */
export const POLICY_LIMITS = {
  descriptionChars: 1024,
  entities: 100,
  tags: 20,
  email: 10,
  slack: 10,
  idChars: 255,
  emailChars: 254,
  slackUrlChars: 2048,
} as const;

/** Machine ids and tags: a plain charset, so they cannot carry quotes, spaces or control characters. */
export const MACHINE_ID_PATTERN = /^[A-Za-z0-9._:/@-]{1,255}$/;

/** True if `s` is acceptable as a machine id or a tag. */
export function isValidMachineId(s: string): boolean {
  return MACHINE_ID_PATTERN.test(s);
}

// RFC 5322 dot-atom local part and an RFC 1035 host name; quoted local parts and address literals are refused.
const EMAIL_LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DNS_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** True if `s` is an e-mail address we are willing to send to. */
export function isValidEmail(s: string): boolean {
  if (s.length > POLICY_LIMITS.emailChars) return false;
  const at = s.lastIndexOf('@');
  if (at <= 0 || at > 64) return false;
  const local = s.slice(0, at);
  const domain = s.slice(at + 1);
  if (!EMAIL_LOCAL.test(local) || domain.length === 0 || domain.length > 253) return false;
  return domain.split('.').every((l) => DNS_LABEL.test(l));
}

const SLACK_CHANNEL = /^[#@][\p{L}\p{N}._-]{1,80}$/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Validation settings from the role's config. */
export interface PolicyValidationOptions { slackUrlPrefixes: readonly string[] }

/** Where Slack webhooks may point unless configured otherwise. */
export const DEFAULT_POLICY_OPTIONS: PolicyValidationOptions = { slackUrlPrefixes: ['https://hooks.slack.com/'] };

/** One fault of a request body: `alerts.email[1]`, `value`, or "" for the whole body. */
export interface FieldError { path: string; message: string }

/** A validated policy, or every fault found. */
export type PolicyParse = { ok: true; policy: PolicySpec } | { ok: false; errors: FieldError[] };

/**
 * Whether `url` is a Slack webhook under one of `prefixes`: printable ASCII that starts with a
 * prefix, and (so a prefix without a trailing slash cannot be extended into another
 * host) it parses as http(s) with the prefix's origin and no user info.
 */
export function slackUrlAllowed(url: string, prefixes: readonly string[]): boolean {
  // The URL parser drops tabs and newlines and encodes spaces; the stored text must not carry them.
  if (!/^[\x21-\x7e]+$/.test(url)) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.username !== '' || u.password !== '') return false;
  return prefixes.some((p) => {
    if (!url.startsWith(p)) return false;
    try {
      return new URL(p).origin === u.origin;
    } catch {
      return false;
    }
  });
}

function idList(what: string, max: number) {
  return z
    .array(z.string().refine(isValidMachineId, {
      message: `must be 1-${POLICY_LIMITS.idChars} characters of letters, digits and . _ - : / @`,
    }), { invalid_type_error: `must be a list of ${what}` })
    .max(max, { message: `must have at most ${max} ${what}` })
    .superRefine(noDuplicates);
}

function noDuplicates(items: readonly unknown[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  items.forEach((v, i) => {
    const key = JSON.stringify(v);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i], message: `duplicate of ${formatPath([...ctx.path, first])}` });
  });
}

/** An enum whose every fault, wrong type included, says which values it takes. */
function oneOf<T extends readonly [string, ...string[]]>(values: T) {
  const message = `must be one of ${values.join(', ')}`;
  return z.enum(values as unknown as [T[number], ...T[number][]], {
    errorMap: (issue, ctx) => (issue.code === 'invalid_type' && issue.received === 'undefined' ? { message: ctx.defaultError } : { message }),
  });
}

function buildSchema(opts: PolicyValidationOptions) {
  const prefixes = opts.slackUrlPrefixes;
  const slackTarget = z.object({
    url: z.string({ required_error: 'is required', invalid_type_error: 'must be a string' })
      .max(POLICY_LIMITS.slackUrlChars, { message: `must be at most ${POLICY_LIMITS.slackUrlChars} characters` })
      // The URL is a secret: the message never repeats it.
      .refine((u) => slackUrlAllowed(u, prefixes), {
        message: `must be an http(s) URL starting with one of: ${prefixes.join(', ')}`,
      }),
    channel: z.string({ invalid_type_error: 'must be a string' })
      .regex(SLACK_CHANNEL, { message: 'must be #channel or @user (letters, digits, . _ -, at most 80)' })
      .optional(),
  }, { invalid_type_error: 'must be an object with url and optional channel' }).strict();

  return z.object({
    type: oneOf(POLICY_TYPES),
    description: z.string({ invalid_type_error: 'must be a string' })
      .max(POLICY_LIMITS.descriptionChars, { message: `must be at most ${POLICY_LIMITS.descriptionChars} characters` })
      .refine((s) => !LONE_SURROGATE.test(s), { message: 'must be valid Unicode text' })
      .default(''),
    compare: oneOf(POLICY_COMPARES),
    value: z.number({ invalid_type_error: 'must be a number' }).finite({ message: 'must be a finite number' }),
    window: oneOf(POLICY_WINDOWS),
    entities: idList('machine ids', POLICY_LIMITS.entities).default([]),
    tags: idList('tags', POLICY_LIMITS.tags).default([]),
    enabled: z.boolean({ invalid_type_error: 'must be true or false' }).default(true),
    alerts: z.object({
      email: z.array(z.string({ invalid_type_error: 'must be a string' }).refine(isValidEmail, {
        message: `must be an e-mail address (name@domain, at most ${POLICY_LIMITS.emailChars} characters)`,
      }), { invalid_type_error: 'must be a list of e-mail addresses' })
        .max(POLICY_LIMITS.email, { message: `must have at most ${POLICY_LIMITS.email} addresses` })
        .superRefine(noDuplicates)
        .default([]),
      slack: z.array(slackTarget, { invalid_type_error: 'must be a list of Slack targets' })
        .max(POLICY_LIMITS.slack, { message: `must have at most ${POLICY_LIMITS.slack} Slack targets` })
        .superRefine(noDuplicates)
        .default([]),
    }, { invalid_type_error: 'must be an object with email and slack lists' }).strict(),
  }, { invalid_type_error: 'must be a JSON object' }).strict();
}

/**
 * Checks across fields, run on the raw body whenever the fields involved are valid on
 * their own, so they are reported together with faults elsewhere in the body (a zod
 * refinement on the whole object would run only once everything else is clean).
 */
function crossFieldErrors(body: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const { type, value, alerts } = body;
  if (typeof value === 'number' && Number.isFinite(value) && (POLICY_TYPES as readonly unknown[]).includes(type)) {
    if (value < 0) errors.push({ path: 'value', message: `must not be negative for ${String(type)}` });
    else if (PERCENT_TYPES.has(type as PolicyType) && value > 100) {
      errors.push({ path: 'value', message: `must be a percentage (0 to 100) for ${String(type)}` });
    }
  }
  if (isPlainObject(alerts)) {
    const n = (v: unknown) => (v === undefined ? 0 : Array.isArray(v) ? v.length : -1);
    const email = n(alerts['email']);
    const slack = n(alerts['slack']);
    if (email === 0 && slack === 0) errors.push({ path: 'alerts', message: 'must name at least one e-mail or Slack target' });
  }
  return errors;
}

type PolicySchema = ReturnType<typeof buildSchema>;

/** A validated alert policy (the schema's output type). */
export type PolicySpec = z.output<PolicySchema>;

const DEFAULT_SCHEMA = buildSchema(DEFAULT_POLICY_OPTIONS);
let lastSchema: { opts: PolicyValidationOptions; schema: PolicySchema } = { opts: DEFAULT_POLICY_OPTIONS, schema: DEFAULT_SCHEMA };

// The role passes the same frozen options on every request: build its schema once.
function schemaFor(opts: PolicyValidationOptions): PolicySchema {
  if (lastSchema.opts !== opts) lastSchema = { opts, schema: buildSchema(opts) };
  return lastSchema.schema;
}

/** `alerts.email[1]`-style text of a zod path. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? p : `.${p}`;
  }
  return out;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Our messages for zod's issues; custom messages set in the schema pass through. */
function issueErrors(issue: z.ZodIssue): FieldError[] {
  const path = formatPath(issue.path);
  switch (issue.code) {
    case z.ZodIssueCode.unrecognized_keys:
      return issue.keys.map((k) => ({ path: formatPath([...issue.path, k]), message: 'is not a known field' }));
    case z.ZodIssueCode.invalid_type:
      if (issue.received === 'undefined') return [{ path, message: 'is required' }];
      // zod's own text ("Expected number, received string") only where the schema set none.
      if (issue.message.startsWith('Expected ')) return [{ path, message: `must be ${issue.expected}, not ${issue.received}` }];
      return [{ path, message: issue.message }];
    default:
      return [{ path, message: issue.message }];
  }
}

// In the order of the documented body's fields; within a field, as found.
function sortErrors(errors: FieldError[]): FieldError[] {
  return errors.map((e, i) => ({ e, i })).sort((a, b) => fieldOrder(a.e.path) - fieldOrder(b.e.path) || a.i - b.i).map((x) => x.e);
}

const FIELDS = ['', 'type', 'description', 'compare', 'value', 'window', 'entities', 'tags', 'enabled', 'alerts'];
function fieldOrder(path: string): number {
  const top = /^[^.[]*/.exec(path)![0];
  const i = FIELDS.indexOf(top);
  return i < 0 ? FIELDS.length : i;
}

function toErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap(issueErrors);
}

/** Validates a full create/replace body; missing optional fields get their defaults. */
export function parsePolicy(body: unknown, opts: PolicyValidationOptions = DEFAULT_POLICY_OPTIONS): PolicyParse {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, errors: [{ path: '', message: `must be a JSON object, not ${kindOf(body)}` }] };
  }
  const r = schemaFor(opts).safeParse(body);
  const errors = [...(r.success ? [] : toErrors(r.error)), ...crossFieldErrors(body as Record<string, unknown>)];
  if (r.success && errors.length === 0) return { ok: true, policy: r.data };
  return { ok: false, errors: sortErrors(errors) };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7396 merge without its null-deletes rule: objects merge key by key, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch) || !isPlainObject(target)) return patch;
  const out: Record<string, unknown> = { ...target };
  // defineProperty, not assignment: a body's "__proto__" key stays an own (unknown, rejected) field instead of setting the prototype.
  for (const [k, v] of Object.entries(patch)) {
    Object.defineProperty(out, k, { value: mergePatch(Object.hasOwn(target, k) ? target[k] : undefined, v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Validates a PATCH body: any subset of the fields, merged over `current` (objects such
 * as `alerts` merge field by field, lists replace), then validated as a whole.
 */
export function parsePolicyPatch(body: unknown, current: PolicySpec, opts: PolicyValidationOptions = DEFAULT_POLICY_OPTIONS): PolicyParse {
  if (!isPlainObject(body)) {
    return { ok: false, errors: [{ path: '', message: `must be a JSON object, not ${kindOf(body)}` }] };
  }
  return parsePolicy(mergePatch(current, body), opts);
}

/** How many notification targets (e-mail addresses and Slack webhooks) a policy has. */
export function policyTargetCount(p: PolicySpec): number {
  return p.alerts.email.length + p.alerts.slack.length;
}
