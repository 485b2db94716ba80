/**
 * The PromQL syntax tree. Every node carries `pos`, its [start, end) offsets in the
 * source, so errors found after parsing (type checks, evaluation) can name line:col.
 */
import type { Matcher } from './matcher.js';

/** Source span of a node: byte offsets [start, end) into the query text. */
export interface PosRange {
  readonly start: number;
  readonly end: number;
}

/** The four PromQL value types. */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

/** Binary operators, by precedence group. */
export type ArithOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type CompareOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithOp | CompareOp | SetOp;

/** Aggregation operators. */
export type AggregateOp =
  | 'sum' | 'avg' | 'min' | 'max' | 'count' | 'group' | 'stddev' | 'stdvar'
  | 'topk' | 'bottomk' | 'quantile' | 'count_values' | 'limitk' | 'limit_ratio';

/** `@ start()` / `@ end()` modifiers. */
export type AtModifier = 'start' | 'end' | null;

/** Instant vector selector: `name{matchers} offset 5m @ 123`. */
export interface VectorSelector {
  readonly kind: 'VectorSelector';
  readonly pos: PosRange;
  /** Metric name if given outside braces ("" otherwise); also present as a matcher. */
  readonly name: string;
  readonly matchers: readonly Matcher[];
  /** Offset in milliseconds (may be negative). */
  readonly offset: number;
  /** `@` timestamp in milliseconds, or null. */
  readonly timestamp: number | null;
  readonly startOrEnd: AtModifier;
}

/** Range vector selector: `selector[5m]`. Offset/@ live on the inner selector. */
export interface MatrixSelector {
  readonly kind: 'MatrixSelector';
  readonly pos: PosRange;
  readonly vectorSelector: VectorSelector;
  /** Range in milliseconds. */
  readonly range: number;
}

/** Subquery: `expr[range:step] offset x @ t`. */
export interface SubqueryExpr {
  readonly kind: 'SubqueryExpr';
  readonly pos: PosRange;
  readonly expr: Expr;
  readonly range: number;
  /** Step in ms; 0 means the default (the rule group / global evaluation interval). */
  readonly step: number;
  readonly offset: number;
  readonly timestamp: number | null;
  readonly startOrEnd: AtModifier;
}

export interface NumberLiteral {
  readonly kind: 'NumberLiteral';
  readonly pos: PosRange;
  readonly value: number;
}

export interface StringLiteral {
  readonly kind: 'StringLiteral';
  readonly pos: PosRange;
  readonly value: string;
}

export interface ParenExpr {
  readonly kind: 'ParenExpr';
  readonly pos: PosRange;
  readonly expr: Expr;
}

export interface UnaryExpr {
  readonly kind: 'UnaryExpr';
  readonly pos: PosRange;
  readonly op: '+' | '-';
  readonly expr: Expr;
}

/** How the two sides of a vector/vector binary operation are matched. */
export interface VectorMatching {
  readonly card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  /** Labels of `on(...)` (when `on` is true) or `ignoring(...)`. */
  readonly matchingLabels: readonly string[];
  readonly on: boolean;
  /** Extra labels listed in group_left(...)/group_right(...). */
  readonly include: readonly string[];
}

export interface BinaryExpr {
  readonly kind: 'BinaryExpr';
  readonly pos: PosRange;
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  /** Present when both sides are vectors (set ops always many-to-many). */
  readonly matching: VectorMatching | null;
  /** The `bool` modifier on a comparison. */
  readonly returnBool: boolean;
}

export interface AggregateExpr {
  readonly kind: 'AggregateExpr';
  readonly pos: PosRange;
  readonly op: AggregateOp;
  readonly expr: Expr;
  /** Parameter of topk/bottomk/quantile/count_values, else null. */
  readonly param: Expr | null;
  readonly grouping: readonly string[];
  readonly without: boolean;
}

export interface Call {
  readonly kind: 'Call';
  readonly pos: PosRange;
  /** Function name; its signature is in functions table (src/promql/functions.ts). */
  readonly func: string;
  readonly args: readonly Expr[];
}

/** Any PromQL expression. */
export type Expr =
  | VectorSelector | MatrixSelector | SubqueryExpr | NumberLiteral | StringLiteral
  | ParenExpr | UnaryExpr | BinaryExpr | AggregateExpr | Call;
