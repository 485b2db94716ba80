/**
 * A partition's alert state at an evaluation time (the vigil.state value): per rule
 * group its last evaluation, per alerting rule its alerts with activeAt, keep-firing
 * and resend bookkeeping. JSON; the schema below is the single source of its type.
 */
import { z } from 'zod';

const ms = z.number().int();
const msOrNull = ms.nullable();
const stringMap = z.record(z.string(), z.string());

const alertSchema = z.object({
  labels: stringMap,
  annotations: stringMap.optional(),
  state: z.enum(['inactive', 'pending', 'firing']).optional(),
  // JSON has no NaN: a non-finite value is stored as null and restored as NaN.
  value: z.number().nullable().optional(),
  activeAt: ms,
  firedAt: msOrNull.optional(),
  resolvedAt: msOrNull.optional(),
  lastSentAt: msOrNull.optional(),
  validUntil: msOrNull.optional(),
  keepFiringSince: msOrNull.optional(),
});

const ruleSchema = z.object({
  name: z.string(),
  /** The rule's own (untemplated) labels: with the name, its identity across reloads. */
  labels: stringMap,
  alerts: z.array(alertSchema),
});

const groupSchema = z.object({
  file: z.string(),
  name: z.string(),
  lastEvaluation: msOrNull,
  rules: z.array(ruleSchema),
});

/** Schema of a partition snapshot, version 1. */
export const partitionSnapshotSchema = z.object({
  version: z.literal(1),
  partition: z.number().int().nonnegative(),
  /** Watermark when the snapshot was taken: every slot at or before it had been evaluated. */
  watermark: msOrNull,
  /** Log offset of the record that advanced the watermark last, if known. */
  offset: z.number().int().nullable(),
  /** Window length of the evaluator (ms): replay from watermark − windowLength. */
  windowLength: ms.nonnegative(),
  groups: z.array(groupSchema),
});

/** A partition snapshot. */
export type PartitionSnapshot = z.infer<typeof partitionSnapshotSchema>;
/** One group of a snapshot. */
export type GroupSnapshot = z.infer<typeof groupSchema>;
/** One alerting rule of a snapshot. */
export type RuleStateSnapshot = z.infer<typeof ruleSchema>;

/** Validates a decoded snapshot; the error names the path of the first bad field. */
export function parseSnapshot(raw: unknown): PartitionSnapshot {
  const res = partitionSnapshotSchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0]!;
    throw new Error(`partition snapshot: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return res.data;
}

/** The snapshot's JSON text. */
export function encodeSnapshot(s: PartitionSnapshot): string {
  return JSON.stringify(s);
}

/** Parses a snapshot's JSON text. */
export function decodeSnapshot(text: string): PartitionSnapshot {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`partition snapshot: not JSON: ${(e as Error).message}`);
  }
  return parseSnapshot(raw);
}

/**
 * Where a worker taking over the partition starts replaying: far enough back that the
 * window is full again at the first evaluation after the snapshot.
 */
export function replayStartTime(s: PartitionSnapshot): number | null {
  return s.watermark === null ? null : s.watermark - s.windowLength;
}
