/** Runtime errors of PromQL evaluation, with Prometheus's messages. */

/** An evaluation failed (bad parameter, many-to-many match, too many samples, ...). */
export class EvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalError';
  }
}

/** Go's %f of a float (6 decimals), as Prometheus's error messages print parameters. */
export function goFormatF(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  return f.toFixed(6);
}
