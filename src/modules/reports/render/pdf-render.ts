import PDFDocument from 'pdfkit';
import type { Readable } from 'node:stream';
import type { Labels } from './labels';

export interface PdfCover {
  title: string;
  subtitle: string;
  /** Label/value lines under the title: generation date, period, audit chain head… */
  facts: [string, string][];
}

export interface PdfTocEntry {
  id: string;
  title: string;
}

/** Font names a writer draws with: pdfkit's standard fonts, or TTF files it embeds (subsets). */
export interface PdfFonts {
  regular: string;
  bold: string;
  mono: string;
}

const STANDARD_FONTS: PdfFonts = { regular: 'Helvetica', bold: 'Helvetica-Bold', mono: 'Courier' };

/** TTF files to embed instead: { regular, bold, mono } paths. */
export type PdfFontFiles = PdfFonts;

const MARGIN = 50;
const FOOTER_OFFSET = 30;
/** Pause writing while this much of the document waits for a slow reader (flat memory). */
const BACKLOG_BYTES = 1024 * 1024;

/**
 * A report as a PDF (pdfkit), written page by page and streamed as it goes: a cover, a table
 * of contents whose entries link to their sections, numbered sections, and a footer with the
 * report title and the page number on every page. Pages are not buffered (no "page N of M"):
 * buffering would hold the whole document in memory.
 */
export class PdfReportWriter {
  readonly doc: PDFKit.PDFDocument;
  private pageNumber = 0;
  private sectionNumber = 0;
  private readonly fonts: PdfFonts;

  constructor(
    private readonly labels: Labels,
    private readonly footerTitle: string,
    generatedAt: Date,
    fontFiles?: PdfFontFiles,
  ) {
    this.doc = new PDFDocument({
      size: 'A4',
      margin: MARGIN,
      autoFirstPage: false,
      bufferPages: false,
      info: { Title: footerTitle, Author: 'Finalité', Creator: 'Finalité', CreationDate: generatedAt },
    });
    if (fontFiles) {
      // Embedded (subset) TrueType fonts: any script the font covers renders, on any reader.
      this.doc.registerFont('Body', fontFiles.regular);
      this.doc.registerFont('Body-Bold', fontFiles.bold);
      this.doc.registerFont('Body-Mono', fontFiles.mono);
      this.fonts = { regular: 'Body', bold: 'Body-Bold', mono: 'Body-Mono' };
    } else {
      this.fonts = STANDARD_FONTS;
    }
    this.doc.on('pageAdded', () => this.drawFooter());
  }

  get stream(): Readable {
    return this.doc;
  }

  cover(cover: PdfCover): void {
    const doc = this.doc;
    doc.addPage();
    doc.moveDown(6);
    doc.font(this.fonts.bold).fontSize(24).text(cover.title, { align: 'left' });
    doc.moveDown(0.3);
    doc.font(this.fonts.regular).fontSize(14).fillColor('#444444').text(cover.subtitle);
    doc.fillColor('black').moveDown(2);
    for (const [label, value] of cover.facts) this.fact(label, value);
  }

  tableOfContents(entries: PdfTocEntry[]): void {
    if (entries.length === 0) return;
    const doc = this.doc;
    doc.addPage();
    doc.font(this.fonts.bold).fontSize(16).text(this.labels.t('contents'));
    doc.moveDown(0.8).font(this.fonts.regular).fontSize(10);
    entries.forEach((entry, i) => {
      doc.fillColor('#1a4d8f').text(`${i + 1}. ${entry.title}`, { goTo: entry.id, underline: false });
    });
    doc.fillColor('black');
  }

  /** Starts a numbered section (on a new page when `newPage`), the target of its TOC entry. */
  section(id: string, title: string, newPage = true): void {
    const doc = this.doc;
    if (newPage) doc.addPage();
    else doc.moveDown(1);
    this.sectionNumber += 1;
    this.ensureRoom(40);
    doc.addNamedDestination(id);
    doc.font(this.fonts.bold).fontSize(14).text(`${this.sectionNumber}. ${title}`);
    doc.moveDown(0.5).font(this.fonts.regular).fontSize(10);
  }

  heading(text: string): void {
    this.ensureRoom(30);
    this.doc.moveDown(0.5).font(this.fonts.bold).fontSize(11).text(text);
    this.doc.moveDown(0.2).font(this.fonts.regular).fontSize(10);
  }

  /** "Label: value" with the label in bold. */
  fact(label: string, value: string): void {
    this.ensureRoom(20);
    this.doc.font(this.fonts.bold).fontSize(10).text(`${label}: `, { continued: true });
    this.doc.font(this.fonts.regular).text(value || '—');
  }

  paragraph(text: string, options: { mono?: boolean } = {}): void {
    this.ensureRoom(20);
    this.doc
      .font(options.mono ? this.fonts.mono : this.fonts.regular)
      .fontSize(options.mono ? 8 : 10)
      .text(text);
    this.doc.font(this.fonts.regular).fontSize(10);
  }

  bullets(items: string[]): void {
    if (items.length === 0) return this.paragraph('—');
    for (const item of items) {
      this.ensureRoom(16);
      this.doc.text(`•  ${item}`, { indent: 8 });
    }
  }

  /** One table row; cells are cut with an ellipsis to keep rows one line high. */
  tableRow(cells: string[], widths: number[], header = false): void {
    const doc = this.doc;
    const height = 14;
    this.ensureRoom(height + 2);
    const y = doc.y;
    let x = MARGIN;
    doc.font(header ? this.fonts.bold : this.fonts.regular).fontSize(9);
    cells.forEach((cell, i) => {
      doc.text(cell, x, y, { width: widths[i] - 4, height, ellipsis: true, lineBreak: false });
      x += widths[i];
    });
    doc.x = MARGIN;
    doc.y = y + height;
    doc.font(this.fonts.regular).fontSize(10);
  }

  /**
   * A table whose cells wrap: each row is as high as its tallest cell, framed by thin rules, and
   * the header is repeated when the table continues on a new page. `widths` are fractions of the
   * text width.
   */
  table(header: string[], rows: string[][], widths: number[]): void {
    const doc = this.doc;
    const total = doc.page.width - 2 * MARGIN;
    const columns = widths.map((f) => f * total);
    const padding = 3;
    const heightOf = (cells: string[], bold: boolean) => {
      doc.font(bold ? this.fonts.bold : this.fonts.regular).fontSize(9);
      return (
        Math.max(...cells.map((c, i) => doc.heightOfString(c || ' ', { width: columns[i] - 2 * padding }))) +
        2 * padding
      );
    };
    const draw = (cells: string[], bold: boolean) => {
      const height = heightOf(cells, bold);
      const y = doc.y;
      let x = MARGIN;
      doc.font(bold ? this.fonts.bold : this.fonts.regular).fontSize(9);
      if (bold) doc.rect(MARGIN, y, total, height).fill('#eef2f7').fillColor('black');
      cells.forEach((cell, i) => {
        doc.text(cell || '', x + padding, y + padding, { width: columns[i] - 2 * padding });
        x += columns[i];
      });
      doc
        .moveTo(MARGIN, y + height)
        .lineTo(MARGIN + total, y + height)
        .lineWidth(0.5)
        .strokeColor('#b0b8c4')
        .stroke();
      doc.x = MARGIN;
      doc.y = y + height;
    };
    const hasHeader = header.some(Boolean);
    const headerHeight = hasHeader ? heightOf(header, true) : 0;
    const bottom = () => doc.page.height - doc.page.margins.bottom;
    if (doc.y + headerHeight + (rows[0] ? heightOf(rows[0], false) : 0) > bottom()) doc.addPage();
    if (hasHeader) draw(header, true);
    for (const row of rows) {
      if (doc.y + heightOf(row, false) > bottom()) {
        doc.addPage();
        if (hasHeader) draw(header, true);
      }
      draw(row, false);
    }
    doc.moveDown(0.5).font(this.fonts.regular).fontSize(10);
  }

  /** Waits while the reader lags behind, so a long report never piles up in memory. */
  async drain(): Promise<void> {
    const doc = this.doc;
    while (doc.readableLength > BACKLOG_BYTES && !doc.destroyed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          doc.off('data', done);
          doc.off('close', done);
          resolve();
        };
        doc.once('data', done);
        doc.once('close', done);
      });
    }
  }

  end(): void {
    this.doc.end();
  }

  private ensureRoom(height: number): void {
    const doc = this.doc;
    if (doc.y + height > doc.page.height - doc.page.margins.bottom) doc.addPage();
  }

  private drawFooter(): void {
    const doc = this.doc;
    this.pageNumber += 1;
    const { x, y } = doc;
    const bottom = doc.page.margins.bottom;
    // Writing inside the bottom margin would otherwise trigger an automatic new page.
    doc.page.margins.bottom = 0;
    doc
      .font(this.fonts.regular)
      .fontSize(8)
      .fillColor('#666666')
      .text(
        `Finalité — ${this.footerTitle} — ${this.labels.t('page')} ${this.pageNumber}`,
        MARGIN,
        doc.page.height - FOOTER_OFFSET,
        { width: doc.page.width - 2 * MARGIN, align: 'center', lineBreak: false },
      );
    doc.page.margins.bottom = bottom;
    doc.fillColor('black').fontSize(10);
    doc.x = x;
    doc.y = y;
  }
}
