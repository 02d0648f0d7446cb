/**
 * Gaps in the data the inventory holds: fields (purpose, anonymisation, art. 9), columns the scan
 * found unregistered, datasets past their retention, systems never scanned.
 */
import type { PurposeView } from '../../purposes/purposes.service';
import type {
  InventoryFieldView,
  InventorySystemView,
  OverdueRow,
  UnregisteredColumnView,
} from '../report-sources';
import type { ReportLang } from '../report.model';
import { ComplianceGap, GapCode, LINKS } from './compliance-gap';
import { complianceGap } from './gap-messages';

/** Field-level gaps: no active purpose; special category used for a purpose without an art. 9 condition. */
export function fieldGaps(
  field: InventoryFieldView,
  activeByCode: Map<string, PurposeView>,
  lang: ReportLang,
): ComplianceGap[] {
  const gaps: ComplianceGap[] = [];
  const obj = { type: 'field' as const, id: field.key };
  const active = field.purposeCodes.map((c) => activeByCode.get(c)).filter((p): p is PurposeView => !!p);
  if (active.length === 0) {
    gaps.push(
      complianceGap(
        lang,
        GapCode.FieldWithoutActivePurpose,
        { field: field.key },
        obj,
        LINKS.field(field.key),
        {
          purposeCodes: field.purposeCodes,
        },
      ),
    );
  }
  if (field.flags?.includes('not_null_column_on_nullify')) {
    gaps.push(
      complianceGap(
        lang,
        GapCode.FieldStrategyNotApplicable,
        { field: field.key },
        obj,
        LINKS.field(field.key),
        {
          column: field.column,
        },
      ),
    );
  }
  if (field.special) {
    for (const p of active) {
      if (p.specialCategoryCondition) continue;
      gaps.push(
        complianceGap(
          lang,
          GapCode.SpecialCategoryWithoutCondition,
          { field: field.key, purpose: p.code },
          { type: 'purpose', id: p.code },
          LINKS.purpose(p.code),
          { field: field.key, dataCategory: field.dataCategory },
        ),
      );
    }
  }
  return gaps;
}

export function unregisteredColumnGap(c: UnregisteredColumnView, lang: ReportLang): ComplianceGap {
  return complianceGap(
    lang,
    GapCode.UnregisteredColumn,
    { column: c.column, system: c.systemKey, dataset: c.datasetKey },
    { type: 'dataset', id: `${c.systemKey}/${c.datasetKey}` },
    LINKS.system(c.systemKey),
    { system: c.systemKey, dataset: c.datasetKey, column: c.column, scannedAt: c.scannedAt },
  );
}

export function overdueGap(row: OverdueRow, lang: ReportLang): ComplianceGap | null {
  if (row.count <= 0) return null;
  return complianceGap(
    lang,
    GapCode.OverdueData,
    { count: row.count, system: row.systemKey, dataset: row.datasetKey },
    { type: 'dataset', id: `${row.systemKey}/${row.datasetKey}` },
    LINKS.dataset(row.systemKey, row.datasetKey),
    { ...row },
  );
}

export function neverScannedGap(system: InventorySystemView, lang: ReportLang): ComplianceGap | null {
  if (!system.scannable || system.lastScannedAt) return null;
  return complianceGap(
    lang,
    GapCode.SystemNeverScanned,
    { system: system.key },
    { type: 'system', id: system.key },
    LINKS.system(system.key),
  );
}
