import type { Readable } from 'node:stream';
import { csvDocumentStream, CsvCell } from '../render/csv-render';
import type { OrganisationView } from '../report-sources';
import type { ReportContext } from './report-context';
import type { RopaEntry } from './ropa-entries';
import {
  derivedTransferText,
  organisationCells,
  partyText,
  processorText,
  retentionLine,
  transferText,
} from './ropa-text';

/**
 * One row per purpose × data category (declared or found in the inventory). The organisation
 * (controller, DPO, EU representative) is repeated in the last columns of every row, so the file
 * stays one table that a CSV parser or Excel reads as is.
 */
export function ropaCsv(
  ctx: ReportContext,
  entries: RopaEntry[],
  organisation: OrganisationView | null,
): Readable {
  const l = ctx.labels;
  const header = [
    l.t('code'),
    l.t('name'),
    l.t('description'),
    l.t('controller'),
    l.t('jointControllers'),
    l.t('processors'),
    l.t('legalBasis'),
    l.t('legitimateInterest'),
    l.t('specialCategoryCondition'),
    l.t('dataSubjectCategories'),
    l.t('dataCategory'),
    l.t('special'),
    l.t('systems'),
    l.t('fieldCount'),
    l.t('recipients'),
    l.t('processorsUsed'),
    l.t('internationalTransfers'),
    l.t('derivedTransfers'),
    l.t('retention'),
    l.t('securityMeasures'),
    l.t('dpiaRequired'),
    l.t('organisation'),
    l.t('organisationAddress'),
    l.t('organisationContact'),
    l.t('dpo'),
    l.t('dpoContact'),
    l.t('representative'),
    l.t('representativeContact'),
  ];
  const org = organisationCells(organisation);
  function* rows(): Generator<CsvCell[]> {
    for (const e of entries) {
      const found = new Map((e.inventoryCategories ?? []).map((c) => [c.category, c]));
      const categories = [...new Set([...e.dataCategories, ...found.keys()])].sort();
      for (const category of categories.length ? categories : ['']) {
        const c = found.get(category);
        yield [
          e.code,
          e.name,
          e.description,
          partyText(e.controller),
          e.jointControllers.map(partyText).join(' | '),
          e.processors.map(processorText).join(' | '),
          e.legalBasisLabel,
          e.legitimateInterest,
          e.specialCategoryCondition,
          e.dataSubjectCategories.join(' | '),
          category,
          c ? l.yesNo(c.special) : '',
          c ? c.systems.join(' | ') : '',
          c ? c.fieldCount : e.fieldCount === null ? '' : 0,
          e.recipients.join(' | '),
          (e.processorsUsed ?? []).map((p) => `${p.name} (${p.code}, ${p.country})`).join(' | '),
          e.internationalTransfers.map((t) => transferText(t, l.t('none'))).join(' | '),
          (e.derivedTransfers ?? []).map((t) => derivedTransferText(t, l.t('none'))).join(' | '),
          retentionLine(e, l.t('archivePhase')),
          e.securityMeasures.join(' | '),
          l.yesNo(e.dpiaRequired),
          ...org,
        ];
      }
    }
  }
  return csvDocumentStream(header, rows(), ctx.delimiter);
}
