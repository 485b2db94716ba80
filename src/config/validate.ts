/** Role configurations are validated once at start with their zod schema, then frozen. */
import type { z } from 'zod';

/** Freezes `o` and everything reachable from it. */
export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/**
 * Validates `input` against `schema`; on failure throws `new ErrorClass(message)` whose message
 * names every bad field by its path, under `SOURCE: invalid WHAT configuration:`.
 */
export function validateConfig<S extends z.ZodTypeAny>(
  schema: S, input: unknown, source: string, what: string, ErrorClass: new (message: string) => Error,
): Readonly<z.output<S>> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new ErrorClass(`${source}: invalid ${what} configuration:\n${lines.join('\n')}`);
  }
  return deepFreeze(r.data);
}
