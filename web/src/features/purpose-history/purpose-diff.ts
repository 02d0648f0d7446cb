/**
 * Comparing two versions of a purpose: the pure part of the history screen. A snapshot holds the
 * purpose's own values as declared in that version (inherited ones are not in it).
 */

/** The declaration's fields in the order of an art. 30 record; fields unknown here come after, sorted. */
export const SNAPSHOT_FIELDS = [
  'code',
  'name',
  'description',
  'parentCode',
  'status',
  'legalBasis',
  'legitimateInterest',
  'specialCategoryCondition',
  'controller',
  'jointControllers',
  'processors',
  'dataSubjectCategories',
  'dataCategories',
  'recipients',
  'internationalTransfers',
  'retention',
  'securityMeasures',
  'dpiaRequired',
] as const;

export interface FieldDiff {
  field: string;
  before: unknown;
  after: unknown;
  changed: boolean;
}

/** Equality of JSON values, independent of key order (`{a, b}` equals `{b, a}`). */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Every field of either snapshot, side by side, in record order, each marked changed or not. */
export function diffSnapshots(before: Record<string, unknown>, after: Record<string, unknown>): FieldDiff[] {
  const known = new Set<string>(SNAPSHOT_FIELDS);
  const extra = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((f) => !known.has(f))
    .sort();
  return [...SNAPSHOT_FIELDS, ...extra].map((field) => ({
    field,
    before: before[field] ?? null,
    after: after[field] ?? null,
    changed: !sameValue(before[field], after[field]),
  }));
}

/**
 * A value as one line of text: lists joined with ", ", parties by name, a retention as its duration
 * and trigger, other objects as `key: value` pairs. Null or empty: "—".
 */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.length === 0 ? '—' : value.map(formatValue).join(', ');
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.duration === 'string' && typeof v.trigger === 'string')
      return `${v.duration} (${v.trigger})`;
    const entries = Object.entries(v).filter(([, x]) => x !== null && x !== undefined);
    if (typeof v.name === 'string') {
      const rest = entries.filter(([k]) => k !== 'name');
      return rest.length === 0
        ? v.name
        : `${v.name} (${rest.map(([k, x]) => `${k}: ${formatValue(x)}`).join(', ')})`;
    }
    return entries.map(([k, x]) => `${k}: ${formatValue(x)}`).join(', ') || '—';
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '—';
}

export interface VersionRef {
  purposeId: string;
  version: number;
  changedFields: string[];
}

/** A key for a version: a code reused after a deleted draft starts again at version 1 (another purpose). */
export const versionKey = (v: { purposeId: string; version: number }): string =>
  `${v.purposeId}:${v.version}`;

/**
 * The versions that lie after `from` up to and including `to` in the history's order: who changed
 * what between the two versions compared. Either order of the pair gives the same answer.
 */
export function changesBetween<T extends VersionRef>(versions: readonly T[], a: string, b: string): T[] {
  const i = versions.findIndex((v) => versionKey(v) === a);
  const j = versions.findIndex((v) => versionKey(v) === b);
  if (i < 0 || j < 0 || i === j) return [];
  const [from, to] = i < j ? [i, j] : [j, i];
  return versions.slice(from + 1, to + 1);
}
