import ExcelJS from 'exceljs';
import { PassThrough, type Readable } from 'node:stream';
import type { OrganisationView } from '../report-sources';
import type { ReportContext } from './report-context';
import {
  cnilActivityHeader,
  cnilActivityRow,
  cnilOrganisationRows,
  cnilSections,
  cnilWords,
} from './ropa-cnil';
import type { RopaEntry } from './ropa-entries';

/** Pause writing while this much of the workbook waits for a slow reader (flat memory). */
const BACKLOG_BYTES = 1024 * 1024;
const SHEET_NAME_MAX = 31;

/**
 * A sheet name Excel accepts: at most 31 characters, none of : \ / ? * [ ], unique (the number
 * in front makes it so even when two codes share their first 28 characters).
 */
export function activitySheetName(index: number, code: string): string {
  return `${index + 1} ${code}`.replace(/[:\\/?*[\]]/g, '_').slice(0, SHEET_NAME_MAX);
}

/**
 * The record of processing as an Excel workbook in the CNIL model's layout: a first sheet with the
 * organisation (controller, representative, DPO) and the list of processing activities, then one
 * sheet per activity (fiche de registre) with the model's sections in order. Written with
 * ExcelJS's streaming writer: each sheet is committed (zipped and sent) before the next is built,
 * and writing pauses while the reader lags, so memory does not grow with the register.
 */
export function ropaWorkbook(
  ctx: ReportContext,
  entries: RopaEntry[],
  organisation: OrganisationView | null,
  _inventoryAvailable: boolean,
): Readable {
  const out = new PassThrough();
  const w = cnilWords(ctx.lang);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  workbook.creator = 'Finalité';
  workbook.created = ctx.generatedAt;
  workbook.title = w.title;

  const drain = async () => {
    while (out.readableLength > BACKLOG_BYTES && !out.destroyed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          out.off('data', done);
          out.off('close', done);
          resolve();
        };
        out.once('data', done);
        out.once('close', done);
      });
    }
  };

  const write = async () => {
    const first = workbook.addWorksheet(w.organisationSheet);
    first.columns = [{ width: 42 }, { width: 48 }, { width: 48 }, { width: 16 }, { width: 10 }];
    first.addRow([w.title]).font = { bold: true, size: 14 };
    first.addRow([w.subtitle]);
    first.addRow([w.generatedAt, ctx.generatedAt.toISOString()]);
    first.addRow([]);
    first.addRow([w.organisation]).font = { bold: true, size: 12 };
    for (const row of cnilOrganisationRows(organisation, ctx.lang)) first.addRow(row);
    first.addRow([]);
    first.addRow([w.activities]).font = { bold: true, size: 12 };
    first.addRow([...cnilActivityHeader(ctx.lang), w.sheet]).font = { bold: true };
    entries.forEach((e, i) =>
      first.addRow([...cnilActivityRow(e, i), activitySheetName(i, e.code)]).commit(),
    );
    first.commit();
    await drain();

    for (const [i, e] of entries.entries()) {
      const sheet = workbook.addWorksheet(activitySheetName(i, e.code));
      sheet.columns = [{ width: 36 }, { width: 48 }, { width: 36 }, { width: 30 }, { width: 26 }];
      sheet.addRow([`${e.name} (${e.code})`]).font = { bold: true, size: 14 };
      for (const section of cnilSections(e, organisation, ctx.lang, e.legalBasisLabel)) {
        sheet.addRow([]).commit();
        const title = sheet.addRow([section.title]);
        title.font = { bold: true, size: 12 };
        title.commit();
        if (section.header.some(Boolean)) {
          const header = sheet.addRow(section.header);
          header.font = { bold: true };
          header.commit();
        }
        for (const row of section.rows) sheet.addRow(row).commit();
      }
      sheet.commit();
      await drain();
    }
    await workbook.commit();
  };
  write().catch((err: Error) => out.destroy(err));
  return out;
}
