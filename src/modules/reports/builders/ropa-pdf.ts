import type { Readable } from 'node:stream';
import type { OrganisationView } from '../report-sources';
import { joinOr, ReportContext, startPdf, streamPdf } from './report-context';
import type { RopaEntry } from './ropa-entries';
import {
  derivedTransferText,
  organisationFacts,
  partyText,
  processorText,
  retentionLine,
  transferText,
} from './ropa-text';

/**
 * The record of processing as a PDF in the standard layout: a cover naming the organisation, a
 * table of contents, then one section of facts per active purpose with where the inventory finds
 * its data.
 */
export function ropaPdf(
  ctx: ReportContext,
  entries: RopaEntry[],
  inventoryAvailable: boolean,
  organisation: OrganisationView | null,
): Readable {
  const l = ctx.labels;
  const pdf = startPdf(ctx, [
    ...organisationFacts(ctx, organisation),
    [l.t('activePurposeCount'), String(entries.length)],
  ]);
  const ids = entries.map((_, i) => `purpose-${i + 1}`);
  pdf.tableOfContents(entries.map((e, i) => ({ id: ids[i], title: `${e.name} (${e.code})` })));
  return streamPdf(pdf, async (w) => {
    for (const [i, e] of entries.entries()) {
      w.section(ids[i], `${e.name} (${e.code})`);
      if (e.description) w.paragraph(e.description);
      w.fact(l.t('code'), e.code);
      if (e.parentCode) w.fact(l.t('parentCode'), e.parentCode);
      w.fact(l.t('version'), String(e.version));
      w.fact(l.t('activatedAt'), l.date(e.activatedAt));
      w.fact(l.t('controller'), partyText(e.controller));
      w.fact(l.t('jointControllers'), joinOr(e.jointControllers.map(partyText)));
      w.fact(l.t('processors'), joinOr(e.processors.map(processorText)));
      w.fact(l.t('legalBasis'), e.legalBasisLabel);
      if (e.legitimateInterest) w.fact(l.t('legitimateInterest'), e.legitimateInterest);
      w.fact(l.t('specialCategoryCondition'), e.specialCategoryCondition ?? l.t('none'));
      w.fact(l.t('dataSubjectCategories'), joinOr(e.dataSubjectCategories));
      w.fact(l.t('dataCategories'), joinOr(e.dataCategories));
      w.fact(l.t('recipients'), joinOr(e.recipients));
      w.fact(
        l.t('internationalTransfers'),
        joinOr(
          e.internationalTransfers.map((t) => transferText(t, l.t('none'))),
          l.t('none'),
        ),
      );
      if (e.derivedTransfers) {
        w.fact(
          l.t('derivedTransfers'),
          joinOr(
            e.derivedTransfers.map((t) => derivedTransferText(t, l.t('none'))),
            l.t('none'),
          ),
        );
      }
      w.fact(l.t('retention'), retentionLine(e, l.t('archivePhase')) ?? l.t('none'));
      w.fact(l.t('securityMeasures'), joinOr(e.securityMeasures));
      w.fact(l.t('dpiaRequired'), l.yesNo(e.dpiaRequired));
      w.heading(`${l.t('systems')} (${l.t('fieldCount')}: ${e.fieldCount ?? '—'})`);
      if (!inventoryAvailable) w.paragraph(l.t('notAvailable'));
      else w.bullets((e.systems ?? []).map((s) => `${s.name} (${s.key}): ${s.datasets.join(', ')}`));
      if (inventoryAvailable) {
        w.heading(l.t('dataCategories'));
        w.bullets(
          (e.inventoryCategories ?? []).map(
            (c) =>
              `${c.category}: ${l.fields(c.fieldCount)}` +
              (c.special ? ` — ${l.t('special').toLowerCase()}` : ''),
          ),
        );
      }
      await w.drain();
    }
  });
}
