import type { Readable } from 'node:stream';
import { LegalBasis, PurposeStatus } from '../../purposes/purpose.model';
import type { PurposeView } from '../../purposes/purposes.service';
import { jsonDocumentStream, JsonItemStream, LazyJsonValue } from '../render/json-render';
import type {
  AccessSource,
  ConsentSource,
  InventorySource,
  InventorySystemView,
  OrganisationSource,
  ProcessorSource,
  ProcessorView,
  RetentionSource,
  UnregisteredColumnView,
  OverdueRow,
} from '../report-sources';
import { ReportFormat, type ReportLang, type ReportPeriod } from '../report.model';
import { ComplianceGap, GAP_CODES, GAP_SEVERITY, GapCode, GapSeverity } from './compliance-gap';
import { fieldGaps, neverScannedGap, overdueGap, unregisteredColumnGap } from './inventory-gap-rules';
import { organisationGaps } from './organisation-gap-rules';
import { processorAgreementGap, processorGaps, transferMismatchGap } from './processor-gap-rules';
import { consentGap, purposeGaps } from './purpose-gap-rules';
import { deriveTransfers, transferMismatch } from './derived-transfers';
import { PreparedReport, ReportContext, reportMeta, startPdf, streamPdf } from './report-context';

export interface GapSources {
  inventory: InventorySource | null;
  consents: ConsentSource | null;
  access: AccessSource | null;
  retention: RetentionSource | null;
  /** Absent from older callers: counted as not installed. */
  organisation?: OrganisationSource | null;
  /** Absent from older callers: counted as not installed. */
  processors?: ProcessorSource | null;
}

/** Gaps listed per kind in the PDF; the rest are counted (the JSON report lists every one). */
export const PDF_GAPS_PER_CODE = 200;

const SEVERITY_ORDER = [GapSeverity.High, GapSeverity.Medium, GapSeverity.Low];

export class GapTally {
  readonly byCode = new Map<GapCode, number>(GAP_CODES.map((c) => [c, 0]));
  readonly bySeverity = new Map<GapSeverity, number>(SEVERITY_ORDER.map((s) => [s, 0]));
  total = 0;

  add(gap: ComplianceGap): void {
    this.total += 1;
    this.byCode.set(gap.code, (this.byCode.get(gap.code) ?? 0) + 1);
    this.bySeverity.set(gap.severity, (this.bySeverity.get(gap.severity) ?? 0) + 1);
  }

  toJSON(): Record<string, unknown> {
    return {
      total: this.total,
      bySeverity: Object.fromEntries(this.bySeverity),
      byCode: Object.fromEntries(this.byCode),
    };
  }
}

/** Every gap of the register, as a stream, and the kinds that could not be checked. */
export interface CollectedGaps {
  unavailable: string[];
  /** Fields are read in keyset batches as this is iterated (memory stays flat). */
  gaps(): AsyncGenerator<ComplianceGap>;
}

/**
 * Gathers what is small (purposes, systems, scan findings, overdue volumes, consent usage) up
 * front; fields are read in keyset batches while the gaps are iterated. Shared by the gaps
 * report and the dashboard's posture (which counts them without exporting a document).
 */
export async function collectGaps(
  lang: ReportLang,
  period: ReportPeriod | null,
  generatedAt: Date,
  purposes: PurposeView[],
  sources: GapSources,
): Promise<CollectedGaps> {
  const active = purposes.filter((p) => p.status === PurposeStatus.Active);
  const activeByCode = new Map(active.map((p) => [p.code, p]));
  const unavailable: string[] = [];

  const upfront: ComplianceGap[] = [];
  if (sources.organisation) upfront.push(...organisationGaps(await sources.organisation.get(), lang));
  else {
    unavailable.push(
      GapCode.OrganisationNotDeclared,
      GapCode.DpoContactMissing,
      GapCode.EuRepresentativeMissing,
    );
  }
  upfront.push(...purposeGaps(active, lang));

  if (sources.access && sources.consents && period) {
    const consentBased = active.filter((p) => p.legalBasis === LegalBasis.Consent);
    if (consentBased.length) {
      const summary = await sources.access.summarise(period.from, period.to);
      const decisions = new Map<string, number>();
      for (const row of summary.rows) {
        decisions.set(row.purposeCode, (decisions.get(row.purposeCode) ?? 0) + row.count);
      }
      for (const p of consentBased) {
        const used = decisions.get(p.code) ?? 0;
        if (used > 0 && !(await sources.consents.hasConsentRecords(p.code))) {
          upfront.push(consentGap(p, used, lang));
        }
      }
    }
  } else {
    unavailable.push(GapCode.ConsentWithoutRecords);
  }

  let systems: InventorySystemView[] = [];
  let unregistered: UnregisteredColumnView[] = [];
  if (sources.inventory) {
    systems = await sources.inventory.listSystems();
    unregistered = await sources.inventory.listUnregisteredColumns();
  } else {
    unavailable.push(
      GapCode.FieldWithoutActivePurpose,
      GapCode.SpecialCategoryWithoutCondition,
      GapCode.UnregisteredColumn,
      GapCode.SystemNeverScanned,
    );
  }
  let processors: ProcessorView[] = [];
  if (sources.processors) processors = await sources.processors.list();
  else {
    unavailable.push(
      GapCode.ProcessorAgreementMissing,
      GapCode.TransferWithoutMechanism,
      GapCode.ProcessorAgreementReviewOverdue,
    );
  }
  // Declared vs derived transfers needs both the processors and where each purpose's data lives.
  const compareTransfers = sources.processors && sources.inventory;
  if (!compareTransfers) unavailable.push(GapCode.DeclaredTransfersMismatch);
  const processorsByCode = new Map(processors.map((p) => [p.code, p]));
  const systemProcessor = new Map(systems.map((s) => [s.key, s.processorCode ?? null]));
  const today = generatedAt.toISOString().slice(0, 10);

  let overdue: OverdueRow[] = [];
  if (sources.retention) overdue = await sources.retention.overdue();
  else unavailable.push(GapCode.OverdueData);

  const inventory = sources.inventory;
  async function* allGaps(): AsyncGenerator<ComplianceGap> {
    yield* upfront;
    for (const c of unregistered) yield unregisteredColumnGap(c, lang);
    for (const row of overdue) {
      const g = overdueGap(row, lang);
      if (g) yield g;
    }
    for (const s of systems) {
      const g = neverScannedGap(s, lang);
      if (g) yield g;
      const a = processorAgreementGap(s, processorsByCode.get(s.processorCode ?? ''), lang);
      if (a) yield a;
    }
    for (const p of processors) yield* processorGaps(p, today, lang);
    // purpose → systems its fields live in: purposes × systems, never the fields themselves.
    const systemsOf = new Map<string, Set<string>>();
    if (inventory) {
      for await (const field of inventory.iterateFields()) {
        if (compareTransfers) {
          for (const code of field.purposeCodes) {
            if (!activeByCode.has(code)) continue;
            const set = systemsOf.get(code) ?? new Set<string>();
            systemsOf.set(code, set.add(field.systemKey));
          }
        }
        yield* fieldGaps(field, activeByCode, lang);
      }
    }
    if (compareTransfers) {
      for (const p of active) {
        const derived = deriveTransfers(
          p.recipientProcessors ?? [],
          systemsOf.get(p.code) ?? [],
          systemProcessor,
          processorsByCode,
        );
        const mismatch = transferMismatch(p.internationalTransfers ?? [], derived);
        if (mismatch) yield transferMismatchGap(p, derived, mismatch, lang);
      }
    }
  }

  return { unavailable, gaps: allGaps };
}

/** The gaps report: the collected gaps as JSON (with a tally after the list) or PDF. */
export async function prepareGaps(
  ctx: ReportContext,
  purposes: PurposeView[],
  sources: GapSources,
): Promise<PreparedReport> {
  const { unavailable, gaps: allGaps } = await collectGaps(
    ctx.lang,
    ctx.period,
    ctx.generatedAt,
    purposes,
    sources,
  );
  return {
    render: (format: ReportFormat): Readable => {
      if (format === ReportFormat.Pdf) return gapsPdf(ctx, allGaps(), unavailable);
      const tally = new GapTally();
      async function* counted(): AsyncGenerator<ComplianceGap> {
        for await (const g of allGaps()) {
          tally.add(g);
          yield g;
        }
      }
      return jsonDocumentStream([
        ...Object.entries(reportMeta(ctx)),
        ['unavailableChecks', unavailable],
        ['gaps', new JsonItemStream(counted())],
        // After the list: the totals are known only once every field has been read.
        ['summary', new LazyJsonValue(() => tally.toJSON())],
      ]);
    },
  };
}

function gapsPdf(ctx: ReportContext, gaps: AsyncIterable<ComplianceGap>, unavailable: string[]): Readable {
  const l = ctx.labels;
  const pdf = startPdf(ctx);
  return streamPdf(pdf, async (w) => {
    const tally = new GapTally();
    const kept = new Map<GapCode, ComplianceGap[]>();
    for await (const g of gaps) {
      tally.add(g);
      const list = kept.get(g.code) ?? [];
      if (list.length < PDF_GAPS_PER_CODE) list.push(g);
      kept.set(g.code, list);
    }
    const codes = GAP_CODES.filter((c) => (tally.byCode.get(c) ?? 0) > 0).sort(
      (a, b) => SEVERITY_ORDER.indexOf(GAP_SEVERITY[a]) - SEVERITY_ORDER.indexOf(GAP_SEVERITY[b]),
    );
    w.tableOfContents([
      { id: 'summary', title: l.t('summary') },
      ...codes.map((c) => ({ id: `gap-${c}`, title: c })),
    ]);
    w.section('summary', l.t('summary'));
    w.fact(l.t('total'), String(tally.total));
    for (const s of SEVERITY_ORDER) w.fact(l.t(`severity.${s}`), String(tally.bySeverity.get(s) ?? 0));
    for (const c of codes) w.fact(c, String(tally.byCode.get(c)));
    if (unavailable.length) w.fact(l.t('notAvailable'), unavailable.join(', '));
    for (const code of codes) {
      w.section(`gap-${code}`, `${code} — ${l.t(`severity.${GAP_SEVERITY[code]}`)}`);
      for (const g of kept.get(code) ?? []) {
        w.paragraph(g.message);
        w.paragraph(`${l.t('link')}: ${g.link}`, { mono: true });
        await w.drain();
      }
      const more = (tally.byCode.get(code) ?? 0) - (kept.get(code)?.length ?? 0);
      if (more > 0) w.paragraph(`… ${more} ${l.t('more')}`);
    }
  });
}
