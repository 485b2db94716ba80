/**
 * Silences (Alertmanager silence/): matchers over alert labels, active in
 * [startsAt, endsAt). Pending before, expired after. Stored in MySQL; updating an active
 * silence's matchers or start expires it and creates a new one, as Alertmanager does.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Matcher, MatchType } from '../promql/matcher.js';
import type { StorePool } from '../store/pool.js';
import { loadSilence, loadSilences, saveSilence, type SilenceRecord } from '../store/manager_silences.js';
import { amMatcher, matchesAll } from './matchers.js';

/** A silence's state at a time. */
export type SilenceState = 'pending' | 'active' | 'expired';

/** A silence as the API gives it (id optional on create). */
export interface SilenceInput {
  readonly id?: string;
  readonly matchers: readonly { readonly name: string; readonly type: MatchType; readonly value: string }[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly comment: string;
}

/** A stored silence. */
export type Silence = SilenceRecord;

/** Thrown for an invalid silence or an unknown id; `status` is the HTTP status to answer with. */
export class SilenceError extends Error {
  constructor(message: string, readonly status: 400 | 404) {
    super(message);
    this.name = 'SilenceError';
  }
}

/** The state of `s` at `now` (CalcSilenceState). */
export function silenceState(s: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): SilenceState {
  if (now < s.startsAt) return 'pending';
  if (now < s.endsAt) return 'active';
  return 'expired';
}

/** Compiles a silence's matchers; throws SilenceError for a bad regex. */
export function silenceMatchers(s: Pick<SilenceInput, 'matchers'>): Matcher[] {
  return s.matchers.map((m) => {
    try {
      return amMatcher(m.type, m.name, m.value);
    } catch (e) {
      throw new SilenceError(`invalid silence: invalid matcher ${m.name}${m.type}${JSON.stringify(m.value)}: ${(e as Error).message}`, 400);
    }
  });
}

/** Checks a silence as Alertmanager's validateSilence does; throws SilenceError. */
export function validateSilence(s: SilenceInput): void {
  if (s.matchers.length === 0) throw new SilenceError('invalid silence: at least one matcher required', 400);
  for (const m of s.matchers) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(m.name)) throw new SilenceError(`invalid silence: invalid label name "${m.name}"`, 400);
  }
  const compiled = silenceMatchers(s);
  if (compiled.every((m) => m.matches(''))) throw new SilenceError('invalid silence: at least one matcher must not match the empty string', 400);
  if (!Number.isFinite(s.startsAt) || !Number.isFinite(s.endsAt)) throw new SilenceError('invalid silence: start and end times required', 400);
  if (s.endsAt < s.startsAt) throw new SilenceError('invalid silence: end time must not be before start time', 400);
  if (s.createdBy === '') throw new SilenceError('invalid silence: creator information missing', 400);
  if (s.comment === '') throw new SilenceError('invalid silence: comment missing', 400);
}

function sameMatchers(a: SilenceInput['matchers'], b: SilenceInput['matchers']): boolean {
  return a.length === b.length && a.every((m, i) => m.name === b[i]!.name && m.type === b[i]!.type && m.value === b[i]!.value);
}

/** Silences over MySQL, on an injected clock. */
export class Silences {
  constructor(private readonly pool: StorePool, private readonly clock: Clock) {}

  /** Creates a silence, or updates the one with `input.id`; returns the id that now holds it. */
  async set(input: SilenceInput): Promise<string> {
    validateSilence(input);
    const now = this.clock.now();
    if (input.endsAt <= now) throw new SilenceError('invalid silence: end time must be in the future', 400);
    const base = { matchers: input.matchers, startsAt: Math.max(input.startsAt, now), endsAt: input.endsAt, updatedAt: now, createdBy: input.createdBy, comment: input.comment };
    if (input.id !== undefined && input.id !== '') {
      const old = await loadSilence(this.pool, input.id);
      if (old === null) throw new SilenceError(`silence ${input.id} not found`, 404);
      const state = silenceState(old, now);
      // An active silence keeps its identity only while what it matches and since when stay the same.
      const inPlace = state === 'pending' || (state === 'active' && sameMatchers(old.matchers, input.matchers) && input.startsAt === old.startsAt);
      if (inPlace) {
        await saveSilence(this.pool, { ...base, id: old.id, startsAt: state === 'active' ? old.startsAt : base.startsAt });
        return old.id;
      }
      if (state === 'active') await saveSilence(this.pool, { ...old, endsAt: now, updatedAt: now });
    }
    const id = randomUUID();
    await saveSilence(this.pool, { ...base, id });
    return id;
  }

  /** Expires a silence now: an active one ends now, a pending one never starts. */
  async expire(id: string): Promise<void> {
    const now = this.clock.now();
    const s = await loadSilence(this.pool, id);
    if (s === null) throw new SilenceError(`silence ${id} not found`, 404);
    const state = silenceState(s, now);
    if (state === 'expired') throw new SilenceError(`silence ${id} already expired`, 400);
    const startsAt = state === 'pending' ? now : s.startsAt;
    await saveSilence(this.pool, { ...s, startsAt, endsAt: now, updatedAt: now });
  }

  /** One silence, or null. */
  get(id: string): Promise<Silence | null> {
    return loadSilence(this.pool, id);
  }

  /** Every silence. */
  list(): Promise<Silence[]> {
    return loadSilences(this.pool);
  }

  /** A snapshot of the silences active now, for muting many alerts cheaply. */
  async activeSnapshot(now: number): Promise<SilenceSnapshot> {
    return new SilenceSnapshot(await loadSilences(this.pool, now));
  }
}

/** Active silences with their matchers compiled once. */
export class SilenceSnapshot {
  private readonly compiled: { id: string; matchers: Matcher[] }[];
  constructor(silences: readonly Silence[]) {
    this.compiled = silences.map((s) => ({ id: s.id, matchers: silenceMatchers(s) }));
  }

  /** Ids of the silences that mute these labels (empty: not silenced). */
  mutedBy(labels: Readonly<Record<string, string>>): string[] {
    return this.compiled.filter((s) => matchesAll(s.matchers, labels)).map((s) => s.id);
  }
}
