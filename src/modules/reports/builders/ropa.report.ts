import type { Readable } from 'node:stream';
import type { PurposeView } from '../../purposes/purposes.service';
import { PurposeStatus } from '../../purposes/purpose.model';
import { csvDocumentStream, CsvCell } from '../render/csv-render';
import { jsonDocumentStream, JsonItemStream } from '../render/json-render';
import { describeRetention } from '../render/labels';
import type {
  InventorySource,
  InventorySystemView,
  OrganisationSource,
  OrganisationView,
  ProcessorSource,
  ProcessorView,
} from '../report-sources';
import { ReportFormat, type RopaLayout } from '../report.model';
import { DerivedTransfer, deriveTransfers, processorsUsed } from './derived-transfers';
import { ropaCnilPdf } from './ropa-cnil-pdf';
import { ropaWorkbook } from './ropa-workbook';
import { joinOr, PreparedReport, ReportContext, reportMeta, startPdf, streamPdf } from './report-context';

/** Where a purpose's data lives according to the inventory: systems, datasets and categories. */
export interface PurposeFootprint {
  fieldCount: number;
  /** systemKey → datasetKeys */
  systems: Map<string, Set<string>>;
  /** dataCategory → { fields, special, systems } */
  categories: Map<string, { fieldCount: number; special: boolean; systems: Set<string> }>;
}

export interface RopaEntry {
  code: string;
  name: string;
  description: string | null;
  parentCode: string | null;
  version: number;
  activatedAt: string | null;
  controller: { name: string; contact?: string } | null;
  jointControllers: { name: string; contact?: string }[];
  processors: { name: string; contact?: string; service?: string; country?: string }[];
  legalBasis: string | null;
  legalBasisLabel: string;
  legitimateInterest: string | null;
  specialCategoryCondition: string | null;
  dataSubjectCategories: string[];
  dataCategories: string[];
  recipients: string[];
  /** Processors of the processor register among the recipients (codes). */
  recipientProcessors: string[];
  /**
   * Processors the purpose uses (its recipients' and its systems' operators), from the processor
   * register; null when that register is not available.
   */
  processorsUsed: RopaProcessor[] | null;
  internationalTransfers: { country: string; recipient?: string; safeguard?: string }[];
  /** Transfers outside the EEA derived from the processors used (null: processors not available). */
  derivedTransfers: DerivedTransfer[] | null;
  retention: {
    duration: string;
    trigger: string;
    description: string;
    /** Archive (intermediate storage) phase, when the purpose declares one (ADR 0052). */
    archive: { duration: string; legalReason: string | null; description: string } | null;
  } | null;
  securityMeasures: string[];
  dpiaRequired: boolean | null;
  /** From the inventory (null when no inventory is available). */
  systems: { key: string; name: string; datasets: string[]; processor: string | null }[] | null;
  inventoryCategories: { category: string; fieldCount: number; special: boolean; systems: string[] }[] | null;
  fieldCount: number | null;
}

export interface RopaProcessor {
  code: string;
  name: string;
  contact: string | null;
  country: string;
  service: string | null;
  agreement: { signedOn: string | null; reference: string | null; reviewOn: string | null } | null;
}

const UNCATEGORISED = 'uncategorised';

/**
 * The archive (intermediate storage) phase of a purpose's retention (ADR 0052): its duration and
 * the legal reason for it, in words ("5 years (Limitation period…)").
 */
export function archivePhaseOf(
  p: PurposeView,
  lang: ReportContext['lang'],
): { duration: string; legalReason: string | null; description: string } | null {
  const archive = p.retention?.archive;
  if (!archive?.duration) return null;
  const words =
    describeRetention({ duration: archive.duration, trigger: 'collection' }, lang)?.replace(
      / (from collection|à compter de la collecte)$/,
      '',
    ) ?? archive.duration;
  const legalReason = archive.legalReason?.trim() || null;
  return {
    duration: archive.duration,
    legalReason,
    description: legalReason ? `${words} (${legalReason})` : words,
  };
}

/** The retention in one line: the active phase, then the archive phase when there is one. */
function retentionLine(e: RopaEntry, archiveWords: string): string | undefined {
  if (!e.retention) return undefined;
  const a = e.retention.archive;
  return a ? `${e.retention.description}, ${archiveWords} ${a.description}` : e.retention.description;
}

/** What the processor register adds to the record: processors by code, and systems' operators. */
export interface ProcessorContext {
  byCode: Map<string, ProcessorView>;
  systemProcessor: Map<string, string | null>;
}

function ropaProcessor(p: ProcessorView): RopaProcessor {
  return {
    code: p.code,
    name: p.name,
    contact: p.contact,
    country: p.country,
    service: p.service,
    agreement: p.agreement,
  };
}

/**
 * Reads every field once, in keyset batches, keeping only per-purpose aggregates: memory grows
 * with purposes × systems × categories, never with the number of fields.
 */
export async function footprintsOf(
  inventory: InventorySource,
  purposeCodes: Set<string>,
): Promise<Map<string, PurposeFootprint>> {
  const footprints = new Map<string, PurposeFootprint>();
  for await (const field of inventory.iterateFields()) {
    for (const code of field.purposeCodes) {
      if (!purposeCodes.has(code)) continue;
      let fp = footprints.get(code);
      if (!fp) footprints.set(code, (fp = { fieldCount: 0, systems: new Map(), categories: new Map() }));
      fp.fieldCount += 1;
      const datasets = fp.systems.get(field.systemKey) ?? new Set<string>();
      datasets.add(field.datasetKey);
      fp.systems.set(field.systemKey, datasets);
      const category = field.dataCategory ?? UNCATEGORISED;
      const cat = fp.categories.get(category) ?? {
        fieldCount: 0,
        special: false,
        systems: new Set<string>(),
      };
      cat.fieldCount += 1;
      cat.special ||= field.special;
      cat.systems.add(field.systemKey);
      fp.categories.set(category, cat);
    }
  }
  return footprints;
}

export function toRopaEntry(
  p: PurposeView,
  ctx: ReportContext,
  footprint: PurposeFootprint | undefined,
  systemNames: Map<string, string> | null,
  processors: ProcessorContext | null = null,
): RopaEntry {
  const inventoryKnown = systemNames !== null;
  const recipientProcessors = p.recipientProcessors ?? [];
  const systemKeys = [...(footprint?.systems.keys() ?? [])];
  return {
    code: p.code,
    name: p.name,
    description: p.description,
    parentCode: p.parentCode,
    version: p.version,
    activatedAt: p.activatedAt ? new Date(p.activatedAt).toISOString() : null,
    controller: p.controller,
    jointControllers: p.jointControllers ?? [],
    processors: p.processors ?? [],
    legalBasis: p.legalBasis,
    legalBasisLabel: ctx.labels.legalBasis(p.legalBasis),
    legitimateInterest: p.legitimateInterest,
    specialCategoryCondition: p.specialCategoryCondition,
    dataSubjectCategories: p.dataSubjectCategories ?? [],
    dataCategories: p.dataCategories ?? [],
    recipients: p.recipients ?? [],
    recipientProcessors,
    processorsUsed: processors
      ? processorsUsed(recipientProcessors, systemKeys, processors.systemProcessor)
          .map((code) => processors.byCode.get(code))
          .filter((x): x is ProcessorView => !!x)
          .map(ropaProcessor)
      : null,
    internationalTransfers: p.internationalTransfers ?? [],
    derivedTransfers: processors
      ? deriveTransfers(recipientProcessors, systemKeys, processors.systemProcessor, processors.byCode)
      : null,
    retention: p.retention
      ? {
          duration: p.retention.duration,
          trigger: p.retention.trigger,
          description: describeRetention(p.retention, ctx.lang) ?? p.retention.duration,
          archive: archivePhaseOf(p, ctx.lang),
        }
      : null,
    securityMeasures: p.securityMeasures ?? [],
    dpiaRequired: p.dpiaRequired,
    systems: inventoryKnown
      ? [...(footprint?.systems ?? new Map<string, Set<string>>())]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([key, datasets]) => ({
            key,
            name: systemNames.get(key) ?? key,
            datasets: [...datasets].sort(),
            processor: processors?.systemProcessor.get(key) ?? null,
          }))
      : null,
    inventoryCategories: inventoryKnown
      ? [...(footprint?.categories ?? new Map<string, never>())]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([category, c]) => ({
            category,
            fieldCount: c.fieldCount,
            special: c.special,
            systems: [...c.systems].sort(),
          }))
      : null,
    fieldCount: inventoryKnown ? (footprint?.fieldCount ?? 0) : null,
  };
}

export async function prepareRopa(
  ctx: ReportContext,
  purposes: PurposeView[],
  inventory: InventorySource | null,
  organisationSource: OrganisationSource | null = null,
  processorSource: ProcessorSource | null = null,
  layout: RopaLayout = 'standard',
): Promise<PreparedReport> {
  // Art. 30(1)(a): the controller, its DPO and its EU representative head the record.
  const organisation = organisationSource ? await organisationSource.get() : null;
  const active = purposes.filter((p) => p.status === PurposeStatus.Active);
  let footprints = new Map<string, PurposeFootprint>();
  let systemNames: Map<string, string> | null = null;
  let systems: InventorySystemView[] = [];
  if (inventory) {
    footprints = await footprintsOf(inventory, new Set(active.map((p) => p.code)));
    systems = await inventory.listSystems();
    systemNames = new Map(systems.map((s) => [s.key, s.name]));
  }
  const processors: ProcessorContext | null = processorSource
    ? {
        byCode: new Map((await processorSource.list()).map((p) => [p.code, p])),
        systemProcessor: new Map(systems.map((s) => [s.key, s.processorCode ?? null])),
      }
    : null;
  const entries = active.map((p) => toRopaEntry(p, ctx, footprints.get(p.code), systemNames, processors));
  return {
    render: (format: ReportFormat): Readable => {
      if (format === ReportFormat.Csv) return ropaCsv(ctx, entries, organisation);
      if (format === ReportFormat.Xlsx) return ropaWorkbook(ctx, entries, organisation, inventory !== null);
      if (format === ReportFormat.Pdf && layout === 'cnil') {
        return ropaCnilPdf(ctx, entries, organisation, inventory !== null);
      }
      if (format === ReportFormat.Pdf) return ropaPdf(ctx, entries, inventory !== null, organisation);
      return jsonDocumentStream([
        ...Object.entries(reportMeta(ctx)),
        ['organisationAvailable', organisationSource !== null],
        ['organisation', organisation],
        ['inventoryAvailable', inventory !== null],
        ['processorsAvailable', processorSource !== null],
        ['purposeCount', entries.length],
        ['entries', new JsonItemStream(entries)],
      ]);
    },
  };
}

const party = (p: { name: string; contact?: string } | null | undefined) =>
  p ? (p.contact ? `${p.name} (${p.contact})` : p.name) : '';
const processorText = (p: { name: string; service?: string; country?: string }) =>
  [p.name, p.service, p.country].filter(Boolean).join(' — ');
const transferText = (t: { country: string; recipient?: string; safeguard?: string }, none: string) =>
  `${t.country}${t.recipient ? ` — ${t.recipient}` : ''} — ${t.safeguard ?? none}`;

/** "US — Mailer SAS (Support Ltd) — standard_contractual_clauses: SCC 2021/914". */
export function derivedTransferText(t: DerivedTransfer, none: string): string {
  const who = t.subProcessor ? `${t.processorName} (${t.subProcessor})` : t.processorName;
  const how = t.mechanism ? `${t.mechanism}${t.reference ? `: ${t.reference}` : ''}` : none;
  return `${t.country} — ${who} — ${how}`;
}

/** The organisation-level cells (art. 30(1)(a), art. 27), repeated on every row so each row stands alone. */
export function organisationCells(o: OrganisationView | null): string[] {
  return [
    o?.name ?? '',
    o?.address ?? '',
    o?.contact ?? '',
    o?.dpo?.name ?? '',
    o?.dpo?.contact ?? '',
    o?.representative?.name ?? '',
    o?.representative?.contact ?? '',
  ];
}

/** Cover lines naming the controller, its DPO and its EU representative (or saying they are missing). */
export function organisationFacts(ctx: ReportContext, o: OrganisationView | null): [string, string][] {
  const l = ctx.labels;
  if (!o) return [[l.t('organisation'), l.t('notDeclared')]];
  const facts: [string, string][] = [
    [l.t('organisation'), o.name],
    [l.t('organisationAddress'), o.address.replace(/\r?\n/g, ', ')],
    [l.t('organisationContact'), o.contact],
    [l.t('dpo'), o.dpo ? party(o.dpo) : l.t('notDeclared')],
  ];
  if (o.representative || !o.establishedInEu) {
    facts.push([l.t('representative'), o.representative ? party(o.representative) : l.t('notDeclared')]);
  }
  return facts;
}

/**
 * One row per purpose × data category (declared or found in the inventory). The organisation
 * (controller, DPO, EU representative) is repeated in the last columns of every row, so the file
 * stays one table that a CSV parser or Excel reads as is.
 */
function ropaCsv(ctx: ReportContext, entries: RopaEntry[], organisation: OrganisationView | null): Readable {
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
          party(e.controller),
          e.jointControllers.map(party).join(' | '),
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

function ropaPdf(
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
      w.fact(l.t('controller'), party(e.controller));
      w.fact(l.t('jointControllers'), joinOr(e.jointControllers.map(party)));
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
