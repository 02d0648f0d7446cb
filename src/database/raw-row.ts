/** Raw query rows: pg returns Date and parsed JSON; the embedded driver may return strings. */
export function rowDate(value: Date | string | null): Date | null {
  return value === null ? null : value instanceof Date ? value : new Date(value);
}

export function rowJson<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}
