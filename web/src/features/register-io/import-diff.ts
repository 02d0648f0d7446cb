import type { Schemas } from '../../api/client';

export type RegisterDiff = Schemas['RegisterDiffDto'];
export const KINDS = ['purposes', 'processors', 'systems', 'datasets', 'fields'] as const;
export type Kind = (typeof KINDS)[number];

/** What an import would take away: purposes retired, systems/datasets/fields removed (the warning). */
export function losses(diff: RegisterDiff): { kind: Kind; keys: string[] }[] {
  return KINDS.map((kind) => ({ kind, keys: [...diff[kind].retired].sort() })).filter(
    (l) => l.keys.length > 0,
  );
}

/** How many entries each kind would gain, change and lose, and whether anything changes at all. */
export function summary(diff: RegisterDiff): {
  counts: Record<Kind, { created: number; changed: number; retired: number }>;
  empty: boolean;
} {
  const counts = Object.fromEntries(
    KINDS.map((k) => [
      k,
      { created: diff[k].created.length, changed: diff[k].changed.length, retired: diff[k].retired.length },
    ]),
  ) as Record<Kind, { created: number; changed: number; retired: number }>;
  const empty = KINDS.every((k) => counts[k].created + counts[k].changed + counts[k].retired === 0);
  return { counts, empty };
}

/** One problem of a refused register (REGISTER_INVALID / REGISTER_MALFORMED details). */
export interface RegisterProblem {
  path: string;
  message: string;
}

export function registerProblems(details: unknown): RegisterProblem[] {
  if (!Array.isArray(details)) return [];
  return details.filter(
    (d): d is RegisterProblem =>
      typeof d === 'object' &&
      d !== null &&
      typeof (d as RegisterProblem).path === 'string' &&
      typeof (d as RegisterProblem).message === 'string',
  );
}
