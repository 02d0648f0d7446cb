/**
 * The record of processing's entries (art. 30(1)): one per active purpose, collected from the
 * purpose's declaration, where the inventory finds its data and which processors it uses. Every
 * layout and format renders these same entries.
 */
import type { PurposeView } from '../../purposes/purposes.service';
import { describeRetention } from '../render/labels';
import type { InventorySource, ProcessorView } from '../report-sources';
import { DerivedTransfer, deriveTransfers, processorsUsed } from './derived-transfers';
import type { ReportContext } from './report-context';

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

/** A processor as the record names it; the transfers it makes are in the entry's `derivedTransfers`. */
export type RopaProcessor = Omit<ProcessorView, 'transfers'>;

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
