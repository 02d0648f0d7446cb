import type { Schemas } from '../../api/client';

export type ScanResult = Schemas['ScanResultDto'];
export type Finding = Schemas['UnregisteredColumnDto'];
export type CreateField = Schemas['CreateFieldDto'];
export type DataCategory = CreateField['dataCategory'];

/** A finding's stable id in the selection (schema.table.column is unique in one database). */
export const findingId = (f: Finding): string => `${f.schema}.${f.table}.${f.column}`;

/**
 * Why a finding cannot be registered in one click: its name is not a SQL identifier, or its table
 * is not a declared dataset yet (a field belongs to a dataset, whose primary key the DPO declares).
 */
export function blockedReason(f: Finding): 'notIdentifier' | 'noDataset' | null {
  if (!f.registrable) return 'notIdentifier';
  if (!f.dataset) return 'noDataset';
  return null;
}

/** What is ticked when the findings arrive: the registrable columns that look like personal data. */
export function initialSelection(result: ScanResult): Set<string> {
  return new Set(result.unregistered.filter((f) => f.likelyPersonal && !blockedReason(f)).map(findingId));
}

/** The POST /fields bodies for the ticked findings, each with the category chosen (or suggested). */
export function fieldsToRegister(
  systemCode: string,
  findings: readonly Finding[],
  selected: ReadonlySet<string>,
  categories: ReadonlyMap<string, DataCategory>,
): CreateField[] {
  return findings
    .filter((f) => selected.has(findingId(f)) && !blockedReason(f))
    .map((f) => ({
      system: systemCode,
      dataset: f.dataset!,
      column: f.column,
      dataCategory: categories.get(findingId(f)) ?? f.suggestedCategory ?? 'other',
    }));
}
