/**
 * The rule file schema (Prometheus's rulefmt), the single source of the rule file
 * types. Scalars arrive as strings (see yamlnodes.ts), as Go's yaml.v3 decodes any
 * scalar into a string field; durations are turned into milliseconds here.
 */
import { z } from 'zod';
import { parseDuration } from '../promql/duration.js';

/** Go leaves a string field "" when the YAML holds null. */
const str = z.string().nullish().transform((v) => v ?? '');

/** A model.Duration field: absent or null is 0. */
const duration = z
  .string()
  .nullish()
  .transform((v, ctx) => {
    if (v === null || v === undefined) return 0;
    try {
      return parseDuration(v);
    } catch (e) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: (e as Error).message });
      return z.NEVER;
    }
  });

/** An optional duration whose absence differs from 0 (group interval, query_offset). */
const optionalDuration = z
  .string()
  .nullish()
  .transform((v, ctx) => {
    if (v === null || v === undefined) return null;
    try {
      return parseDuration(v);
    } catch (e) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: (e as Error).message });
      return z.NEVER;
    }
  });

const int = z
  .string()
  .nullish()
  .transform((v, ctx) => {
    if (v === null || v === undefined) return 0;
    if (!/^[-+]?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `cannot unmarshal !!str \`${v}\` into int` });
      return z.NEVER;
    }
    return Number(v);
  });

/** A string map (labels, annotations); null values are "" as in Go. */
const stringMap = z
  .record(z.string(), str)
  .nullish()
  .transform((m) => (m ?? {}) as Record<string, string>);

/** One rule of a group: exactly one of `record` / `alert` (checked in validation). */
export const ruleSchema = z
  .object({
    record: str,
    alert: str,
    expr: str,
    for: duration,
    keep_firing_for: duration,
    labels: stringMap,
    annotations: stringMap,
  })
  .strict();

/** One rule group. */
export const ruleGroupSchema = z
  .object({
    name: str,
    /** Evaluation interval (ms); null means the global default. */
    interval: optionalDuration,
    /** Query offset (ms); null means the global default. */
    query_offset: optionalDuration,
    limit: int,
    labels: stringMap,
    rules: z
      .array(ruleSchema)
      .nullish()
      .transform((r) => r ?? []),
  })
  .strict();

/** A whole rule file. */
export const ruleFileSchema = z
  .object({
    groups: z
      .array(ruleGroupSchema)
      .nullish()
      .transform((g) => g ?? []),
  })
  .strict();

/** A rule as loaded from a file (durations in ms, maps never null). */
export type RuleSpec = z.output<typeof ruleSchema>;
/** A rule group as loaded from a file. */
export type RuleGroupSpec = z.output<typeof ruleGroupSchema>;
/** A rule file as loaded. */
export type RuleFile = z.output<typeof ruleFileSchema>;
