/** DTO instances and plain JSON compare equal when their content is equal. */
export function normaliseJson(v: unknown): unknown {
  return v === undefined ? null : (JSON.parse(JSON.stringify(v ?? null)) as unknown);
}
