/**
 * The register as code: one document (YAML or JSON) holding processors, purposes, systems,
 * datasets, fields and bindings. This file is the document itself: its types, its canonical form
 * (so export → import → export is byte-identical) and the walks over it that the rules
 * (register-validation.ts), the diff (register-diff.ts) and the import share.
 */
import { INHERITABLE_FIELDS, PurposeDeclaration } from '../purposes/purpose.model';
import { ProcessorDeclaration } from '../processors/processor.model';
import {
  DEFAULT_REFERENCED_ROWS,
  fieldKeyOf,
  type ReferencedRowsMode,
  SYSTEM_PROPERTIES,
  SystemKind,
} from './inventory.model';

export const REGISTER_FORMAT = 'finalite.register/v1';

type Json = Record<string, unknown>;

export interface RegisterBinding {
  purpose: string;
  actions: string[];
  obligation?: string;
  appliesToSubPurposes: boolean;
  anonymisation?: { strategy: string; value?: string };
}

export interface RegisterField {
  column: string;
  dataCategory: string;
  description?: string;
  anonymisation?: { strategy: string; value?: string };
  purposes: RegisterBinding[];
}

export interface RegisterDataset {
  name: string;
  description?: string;
  primaryKey: string[];
  subjectColumn?: string;
  timestampColumns?: { collection?: string; lastInteraction?: string; contractEnd?: string };
  archive?: { table: string };
  /** Left out when `anonymise` (the default), as the export leaves it. */
  referencedRows?: ReferencedRowsMode;
  fields: RegisterField[];
}

export interface RegisterSystem {
  code: string;
  name: string;
  description?: string;
  owner?: string;
  hostingLocation?: string;
  hostingCountry?: string;
  kind: SystemKind;
  webhookUrl?: string;
  retentionSchedule?: string;
  processorCode?: string;
  datasets: RegisterDataset[];
}

export type RegisterProcessor = ProcessorDeclaration & Json;

export type RegisterPurpose = PurposeDeclaration & Json;

export interface RegisterDocument {
  format: string;
  processors: RegisterProcessor[];
  purposes: RegisterPurpose[];
  systems: RegisterSystem[];
}

const PROCESSOR_KEYS = [
  'code',
  'name',
  'contact',
  'country',
  'service',
  'agreement',
  'processingLocations',
  'subProcessors',
] as const;
const PURPOSE_KEYS = ['code', 'name', 'description', 'parentCode', 'status', ...INHERITABLE_FIELDS] as const;
const SYSTEM_KEYS = ['code', ...SYSTEM_PROPERTIES] as const;

const byKey =
  <T>(key: (t: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

const present = (v: unknown) => v !== null && v !== undefined;

/** Nested values with sorted object keys (jsonb reorders keys; a document must not depend on it). */
function sortedDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedDeep);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .filter((k) => present((v as Json)[k]))
        .map((k) => [k, sortedDeep((v as Json)[k])]),
    );
  }
  return v;
}

function pick(source: Json, keys: readonly string[]): Json {
  const out: Json = {};
  for (const k of keys) if (present(source[k])) out[k] = sortedDeep(source[k]);
  return out;
}

/**
 * The canonical document: fixed key order, null/absent values left out, lists sorted by their
 * natural key, binding actions sorted. Both the export and the diff use it.
 */
export function canonicalRegister(doc: {
  processors?: unknown[];
  purposes?: unknown[];
  systems?: unknown[];
}): RegisterDocument {
  const processors = ((doc.processors ?? []) as Json[])
    .map((p) => {
      const processor = pick(p, PROCESSOR_KEYS) as RegisterProcessor;
      // An empty list or agreement says nothing: left out, as the export leaves it.
      for (const k of ['processingLocations', 'subProcessors'] as const) {
        if (Array.isArray(processor[k]) && processor[k].length === 0) delete processor[k];
      }
      if (processor.agreement && Object.keys(processor.agreement).length === 0) delete processor.agreement;
      return processor;
    })
    .sort(byKey((p) => p.code));
  const purposes = ((doc.purposes ?? []) as Json[])
    .map((p) => pick(p, PURPOSE_KEYS) as RegisterPurpose)
    .sort(byKey((p) => p.code));
  const systems = ((doc.systems ?? []) as Json[])
    .map((s) => {
      const system = pick(s, SYSTEM_KEYS) as unknown as RegisterSystem;
      system.datasets = ((s.datasets ?? []) as Json[])
        .map((d) => {
          const dataset = pick(d, [
            'name',
            'description',
            'primaryKey',
            'subjectColumn',
          ]) as unknown as RegisterDataset;
          const ts = pick((d.timestampColumns ?? {}) as Json, [
            'collection',
            'lastInteraction',
            'contractEnd',
          ]);
          if (Object.keys(ts).length) dataset.timestampColumns = ts;
          const archive = pick((d.archive ?? {}) as Json, ['table']);
          if (Object.keys(archive).length) dataset.archive = archive as { table: string };
          // The default says nothing: left out, so that a document naming it is the same document.
          if (d.referencedRows !== undefined && d.referencedRows !== DEFAULT_REFERENCED_ROWS) {
            dataset.referencedRows = d.referencedRows as ReferencedRowsMode;
          }
          dataset.fields = ((d.fields ?? []) as Json[])
            .map((f) => {
              const field = pick(f, [
                'column',
                'dataCategory',
                'description',
                'anonymisation',
              ]) as unknown as RegisterField;
              field.purposes = ((f.purposes ?? []) as Json[])
                .map((b) => {
                  const binding = pick(b, ['purpose', 'actions', 'obligation']) as unknown as RegisterBinding;
                  binding.actions = [...(binding.actions ?? [])].sort();
                  binding.appliesToSubPurposes = b.appliesToSubPurposes === true;
                  if (present(b.anonymisation))
                    binding.anonymisation = sortedDeep(b.anonymisation) as RegisterBinding['anonymisation'];
                  return binding;
                })
                .sort(byKey((b) => b.purpose));
              return field;
            })
            .sort(byKey((f) => f.column));
          return dataset;
        })
        .sort(byKey((d) => d.name));
      return system;
    })
    .sort(byKey((s) => s.code));
  return { format: REGISTER_FORMAT, processors, purposes, systems };
}

/** Stable JSON: equal content gives equal text whatever the key order. */
export function stableJson(v: unknown): string {
  return JSON.stringify(sortedDeep(v));
}

/** Every dataset (by `system/dataset`) and field (by field key) of the document, with its parents. */
export function flattenInventory(doc: RegisterDocument) {
  const datasets = new Map<string, { system: RegisterSystem; dataset: RegisterDataset }>();
  const fields = new Map<
    string,
    { system: RegisterSystem; dataset: RegisterDataset; field: RegisterField }
  >();
  for (const system of doc.systems) {
    for (const dataset of system.datasets) {
      datasets.set(`${system.code}/${dataset.name}`, { system, dataset });
      for (const field of dataset.fields) {
        fields.set(fieldKeyOf(system.code, dataset.name, field.column), { system, dataset, field });
      }
    }
  }
  return { datasets, fields };
}

/** Purposes ordered parents first (the order to create and activate them in). */
export function parentsFirst(purposes: RegisterPurpose[]): RegisterPurpose[] {
  const byCode = new Map(purposes.map((p) => [p.code, p]));
  const ordered: RegisterPurpose[] = [];
  const placed = new Set<string>();
  const place = (p: RegisterPurpose, depth = 0) => {
    if (placed.has(p.code) || depth > byCode.size) return;
    const parent = p.parentCode ? byCode.get(p.parentCode) : undefined;
    if (parent) place(parent, depth + 1);
    placed.add(p.code);
    ordered.push(p);
  };
  purposes.forEach((p) => place(p));
  return ordered;
}
