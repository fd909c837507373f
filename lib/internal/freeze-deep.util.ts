/**
 * Freezes `value` and everything reachable from it (plain data: objects and arrays), in place, and returns it.
 * Already frozen parts are skipped, so freezing a record twice costs almost nothing.
 */
export function freezeDeep<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) freezeDeep((value as Record<string, unknown>)[key]);
  return value;
}
