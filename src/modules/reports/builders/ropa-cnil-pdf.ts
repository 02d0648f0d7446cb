import type { Readable } from 'node:stream';
import { PdfReportWriter, type PdfFontFiles } from '../render/pdf-render';
import type { OrganisationView } from '../report-sources';
import { chainHeadText, type ReportContext, streamPdf } from './report-context';
import {
  cnilActivityHeader,
  cnilActivityRow,
  cnilOrganisationRows,
  cnilSections,
  cnilWords,
  type CnilSection,
} from './ropa-cnil';
import type { RopaEntry } from './ropa-entries';

/**
 * DejaVu Sans, shipped by the pinned `dejavu-fonts-ttf` package (ADR 0050) and embedded as a
 * subset: the document renders the same on every reader, whatever fonts the server or the
 * inspector's computer has, and covers scripts beyond Latin-1.
 */
export function embeddedFonts(): PdfFontFiles {
  return {
    regular: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
    bold: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
    mono: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSansMono.ttf'),
  };
}

/** Column widths (fractions of the text width) per section, by number of columns. */
const WIDTHS: Record<number, number[]> = {
  1: [1],
  2: [0.35, 0.65],
  3: [0.3, 0.4, 0.3],
  4: [0.28, 0.22, 0.15, 0.35],
  5: [0.08, 0.24, 0.24, 0.24, 0.2],
};

function drawSection(w: PdfReportWriter, s: CnilSection): void {
  w.heading(s.title);
  w.table(s.header, s.rows, WIDTHS[s.header.length] ?? s.header.map(() => 1 / s.header.length));
}

/**
 * The record of processing as a PDF in the CNIL model's layout: a cover naming the organisation,
 * a table of contents linking to each fiche, the organisation and the list of activities, then
 * one fiche per activity whose sections (tables) are the workbook's, in the same order.
 */
export function ropaCnilPdf(
  ctx: ReportContext,
  entries: RopaEntry[],
  organisation: OrganisationView | null,
  _inventoryAvailable: boolean,
): Readable {
  const words = cnilWords(ctx.lang);
  const l = ctx.labels;
  const pdf = new PdfReportWriter(l, words.title, ctx.generatedAt, embeddedFonts());
  pdf.cover({
    title: words.title,
    subtitle: words.subtitle,
    facts: [
      ...(cnilOrganisationRows(organisation, ctx.lang).slice(0, 1) as [string, string][]),
      [words.generatedAt, l.date(ctx.generatedAt)],
      [l.t('chainHead'), chainHeadText(ctx)],
      [l.t('activePurposeCount'), String(entries.length)],
    ],
  });
  const ids = entries.map((_, i) => `activity-${i + 1}`);
  pdf.tableOfContents([
    { id: 'organisation', title: words.organisation },
    ...entries.map((e, i) => ({ id: ids[i], title: `${e.name} (${e.code})` })),
  ]);
  return streamPdf(pdf, async (w) => {
    w.section('organisation', words.organisation);
    w.table(['', ''], cnilOrganisationRows(organisation, ctx.lang), WIDTHS[2]);
    w.heading(words.activities);
    w.table(
      cnilActivityHeader(ctx.lang),
      entries.map((e, i) => cnilActivityRow(e, i)),
      [0.08, 0.27, 0.41, 0.14, 0.1],
    );
    await w.drain();
    for (const [i, e] of entries.entries()) {
      w.section(ids[i], `${e.name} (${e.code})`);
      for (const s of cnilSections(e, organisation, ctx.lang, e.legalBasisLabel)) drawSection(w, s);
      await w.drain();
    }
  });
}
