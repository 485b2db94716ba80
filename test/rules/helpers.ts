/** Test doubles for rule tests: a scripted query engine and a recording appender. */
import type { Expr } from '../../src/promql/ast.js';
import { labelsFromRecord, labelsToString, type Labels } from '../../src/promql/labels.js';
import type { Querier, Sample, Value } from '../../src/promql/value.js';
import type { Appender, QueryEngine, RuleContext } from '../../src/rules/rule.js';

/** A placeholder expression for rules driven by a ScriptedEngine. */
export const DUMMY_EXPR: Expr = { kind: 'NumberLiteral', pos: { start: 0, end: 1 }, value: 1 };

/** Returns, for each query time, the vector the script gives (by series record). */
export class ScriptedEngine implements QueryEngine {
  readonly queriedAt: number[] = [];
  constructor(private readonly script: (t: number) => Record<string, string>[] | Array<[Record<string, string>, number]>) {}
  instantQuery(_q: Querier, _e: Expr, t: number): Value {
    this.queriedAt.push(t);
    const rows = this.script(t);
    const samples: Sample[] = rows.map((r) =>
      Array.isArray(r) ? { metric: labelsFromRecord(r[0]), t, v: r[1] } : { metric: labelsFromRecord(r), t, v: 1 },
    );
    return { type: 'vector', samples };
  }
}

/** One appended sample or stale marker. */
export interface Appended {
  series: string;
  t: number;
  v: number | 'stale';
}

/** Remembers what was appended, in order. */
export class RecordingAppender implements Appender {
  readonly log: Appended[] = [];
  append(labels: Labels, t: number, v: number): void {
    this.log.push({ series: labelsToString(labels), t, v });
  }
  appendStale(labels: Labels, t: number): void {
    this.log.push({ series: labelsToString(labels), t, v: 'stale' });
  }
  at(t: number): Appended[] {
    return this.log.filter((a) => a.t === t);
  }
}

/** A context around an engine; the querier is unused by scripted engines. */
export function scriptedContext(engine: QueryEngine, appender: Appender = new RecordingAppender()): RuleContext {
  return {
    engine,
    querier: { select: () => [] },
    appender,
    externalLabels: {},
    externalURL: 'http://vigil.example',
  };
}

export const MIN = 60_000;
