/** Ids Vigil generates (policies, silences): crypto.randomUUID's lowercase form. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Whether `s` is a lowercase UUID. Anything else (upper case included, which MySQL's
 * case-insensitive collations would still match) cannot be one of our ids.
 */
export function isUuid(s: string | undefined): s is string {
  return s !== undefined && UUID.test(s);
}
