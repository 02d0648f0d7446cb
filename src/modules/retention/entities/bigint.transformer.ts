import type { ValueTransformer } from 'typeorm';

/** bigint counters come back from pg as strings; counts stay far below 2^53. */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
