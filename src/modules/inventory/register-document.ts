/**
 * The register as code: one document (YAML or JSON) holding purposes, systems, datasets, fields
 * and bindings. Pure functions: canonical form (so export → import → export is byte-identical),
 * whole-document validation, and the diff against the current register.
 * Just over ~400 lines: one concept (the document), pure functions sharing its canonical types.
 */
import {
  checkActivation,
  checkDeclaration,
  INHERITABLE_FIELDS,
  PurposeDeclaration,
  PurposeStatus,
  resolveInheritance,
} from '../purposes/purpose.model';
import { checkProcessor, ProcessorDeclaration } from '../processors/processor.model';
import {
  anonymisationProblem,
  checkBindings,
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

export interface RegisterProblem {
  path: string;
  message: string;
}

export interface KindDiff {
  created: string[];
  changed: string[];
  retired: string[];
}

export interface RegisterDiff {
  processors: KindDiff;
  purposes: KindDiff;
  systems: KindDiff;
  datasets: KindDiff;
  fields: KindDiff;
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

function flattenInventory(doc: RegisterDocument) {
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

/**
 * Every rule the document breaks, each with its path. The document is the whole register, so a
 * binding may only name a purpose of the document; `current` is the register as it is now, for
 * the rules about change (retired purposes are frozen, a retired purpose keeps but never gains
 * bindings, an active purpose never goes back to draft).
 */
export function validateRegister(doc: RegisterDocument, current: RegisterDocument): RegisterProblem[] {
  const problems: RegisterProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });

  // Processors: unique codes, their rules; whatever names one must name one of the document.
  const processorCodes = new Set<string>();
  for (const p of doc.processors) {
    const pPath = `processors[${p.code}]`;
    if (processorCodes.has(p.code)) add(pPath, `duplicate processor code "${p.code}"`);
    processorCodes.add(p.code);
    for (const r of checkProcessor(p)) add(`${pPath}.${r.property}`, r.message);
  }

  // Purposes: unique codes, known parents without cycles, the purpose rules on effective values.
  const purposes = new Map<string, RegisterPurpose>();
  for (const p of doc.purposes) {
    if (purposes.has(p.code)) add(`purposes[${p.code}]`, `duplicate purpose code "${p.code}"`);
    purposes.set(p.code, p);
  }
  const currentPurposes = new Map(current.purposes.map((p) => [p.code, p]));
  const chains = new Map<string, RegisterPurpose[]>();
  for (const p of purposes.values()) {
    const chain: RegisterPurpose[] = [];
    const seen = new Set<string>();
    let cur: RegisterPurpose | undefined = p;
    while (cur) {
      if (seen.has(cur.code)) {
        add(`purposes[${p.code}].parentCode`, `the parent chain of "${p.code}" is a cycle`);
        break;
      }
      seen.add(cur.code);
      chain.push(cur);
      if (cur.parentCode && !purposes.has(cur.parentCode)) {
        if (cur === p)
          add(`purposes[${p.code}].parentCode`, `parent purpose "${cur.parentCode}" is not in the document`);
        break;
      }
      cur = cur.parentCode ? purposes.get(cur.parentCode) : undefined;
    }
    chains.set(p.code, chain);
  }
  const effective = new Map(
    [...purposes.values()].map((p) => [p.code, resolveInheritance(chains.get(p.code)!).effective]),
  );
  for (const p of purposes.values()) {
    ((p.recipientProcessors as string[] | undefined) ?? []).forEach((code, i) => {
      if (!processorCodes.has(code)) {
        add(`purposes[${p.code}].recipientProcessors[${i}]`, `processor "${code}" is not in the document`);
      }
    });
    const e = effective.get(p.code)!;
    const parentStatus = p.parentCode ? (purposes.get(p.parentCode)?.status ?? null) : null;
    const rules = p.status === PurposeStatus.Active ? checkActivation(e, parentStatus) : checkDeclaration(e);
    for (const r of rules) add(`purposes[${p.code}].${r.property}`, r.message);
    const before = currentPurposes.get(p.code);
    if (before?.status === PurposeStatus.Retired) {
      if (p.status !== PurposeStatus.Retired || stableJson(p) !== stableJson(before)) {
        add(`purposes[${p.code}]`, `purpose "${p.code}" is retired in the register and can no longer change`);
      }
    } else if (before?.status === PurposeStatus.Active && p.status === PurposeStatus.Draft) {
      add(
        `purposes[${p.code}].status`,
        `purpose "${p.code}" is active: it cannot go back to draft (retire it)`,
      );
    }
    if (
      before &&
      (before.parentCode ?? null) !== (p.parentCode ?? null) &&
      before.status !== PurposeStatus.Draft
    ) {
      add(`purposes[${p.code}].parentCode`, 'the parent of a purpose can only change while it is a draft');
    }
  }
  for (const before of current.purposes) {
    if (!purposes.has(before.code) && before.status === PurposeStatus.Draft) {
      add(
        `purposes[${before.code}]`,
        `draft purpose "${before.code}" is in the register but not in the document: add it, or delete the draft first`,
      );
    }
  }

  // Inventory: unique codes and names, kind rules, bindings.
  const bindable = new Map(
    [...purposes.values()].map((p) => [
      p.code,
      {
        code: p.code,
        status: p.status,
        specialCategoryCondition: effective.get(p.code)!.specialCategoryCondition ?? null,
        retention: effective.get(p.code)!.retention ?? null,
      },
    ]),
  );
  const currentBindings = new Map(
    [...flattenInventory(current).fields].map(([key, { field }]) => [
      key,
      new Set(field.purposes.map((b) => b.purpose)),
    ]),
  );
  // "A retired purpose never gains a binding" is about the register as it is: only a purpose
  // already retired there is frozen. A purpose the document retires, or creates retired (an export
  // of another instance), keeps the bindings the document gives it: the binding predates the
  // retirement, and the field is then flagged only_retired_purposes, not refused.
  const retiredNow = new Set(
    current.purposes.filter((p) => p.status === PurposeStatus.Retired).map((p) => p.code),
  );
  const systemCodes = new Set<string>();
  for (const system of doc.systems) {
    const sPath = `systems[${system.code}]`;
    if (systemCodes.has(system.code)) add(sPath, `duplicate system code "${system.code}"`);
    systemCodes.add(system.code);
    if (system.kind === SystemKind.Webhook && !system.webhookUrl)
      add(`${sPath}.webhookUrl`, 'a webhook system needs webhookUrl');
    if (system.processorCode && !processorCodes.has(system.processorCode)) {
      add(`${sPath}.processorCode`, `processor "${system.processorCode}" is not in the document`);
    }
    if (system.kind !== SystemKind.Webhook && system.webhookUrl) {
      add(`${sPath}.webhookUrl`, 'only a webhook system has a webhook URL');
    }
    const datasetNames = new Set<string>();
    for (const dataset of system.datasets) {
      const dPath = `${sPath}.datasets[${dataset.name}]`;
      if (datasetNames.has(dataset.name))
        add(dPath, `duplicate dataset "${dataset.name}" in system "${system.code}"`);
      datasetNames.add(dataset.name);
      if (dataset.archive && system.kind !== SystemKind.Postgres && system.kind !== SystemKind.Mysql) {
        add(
          `${dPath}.archive`,
          'an archive table is supported on postgres and mysql systems only (ADR 0052)',
        );
      }
      if (dataset.archive && dataset.archive.table.toLowerCase() === dataset.name.toLowerCase()) {
        add(`${dPath}.archive`, 'the archive table must be another table than the dataset itself');
      }
      const columns = new Set<string>();
      for (const field of dataset.fields) {
        const key = fieldKeyOf(system.code, dataset.name, field.column);
        const fPath = `${dPath}.fields[${field.column}]`;
        if (columns.has(field.column)) add(fPath, `duplicate field key "${key}"`);
        columns.add(field.column);
        const anonymisation = anonymisationProblem(
          field.anonymisation as Parameters<typeof anonymisationProblem>[0],
        );
        if (anonymisation) add(`${fPath}.anonymisation`, anonymisation);
        const codes = field.purposes.map((b) => b.purpose);
        const kept = new Set([
          ...(currentBindings.get(key) ?? []),
          ...codes.filter((c) => !retiredNow.has(c)),
        ]);
        for (const p of checkBindings({ key, dataCategory: field.dataCategory }, codes, bindable, kept)) {
          const index = codes.indexOf(p.purposeCode);
          add(
            `${fPath}.purposes[${index}]`,
            p.reason === 'unknown_purpose' ? `purpose "${p.purposeCode}" is not in the document` : p.message,
          );
        }
        field.purposes.forEach((b, i) => {
          const problem = anonymisationProblem(b.anonymisation as Parameters<typeof anonymisationProblem>[0]);
          if (problem) add(`${fPath}.purposes[${i}].anonymisation`, problem);
        });
      }
    }
  }
  return problems;
}

function diffKind<T>(next: Map<string, T>, current: Map<string, T>, retiredOf?: (t: T) => boolean): KindDiff {
  const created: string[] = [];
  const changed: string[] = [];
  const retired: string[] = [];
  for (const [key, value] of next) {
    const before = current.get(key);
    if (before === undefined) created.push(key);
    else if (stableJson(before) !== stableJson(value)) changed.push(key);
  }
  for (const [key, value] of current) {
    if (!next.has(key) && (!retiredOf || retiredOf(value))) retired.push(key);
  }
  return { created: created.sort(), changed: changed.sort(), retired: retired.sort() };
}

/**
 * What importing `next` does to `current`. Purposes absent from the document are retired (when
 * active); systems, datasets and fields absent from it are removed from the register. A change
 * of a system or dataset lists only its own properties; a field's bindings count as the field.
 */
export function diffRegister(next: RegisterDocument, current: RegisterDocument): RegisterDiff {
  const inventory = (doc: RegisterDocument) => {
    const { datasets, fields } = flattenInventory(doc);
    return {
      systems: new Map(doc.systems.map((s) => [s.code, { ...s, datasets: undefined }])),
      datasets: new Map([...datasets].map(([k, { dataset }]) => [k, { ...dataset, fields: undefined }])),
      fields: new Map([...fields].map(([k, { field }]) => [k, field])),
    };
  };
  const a = inventory(next);
  const b = inventory(current);
  return {
    processors: diffKind(
      new Map(next.processors.map((p) => [p.code, p])),
      new Map(current.processors.map((p) => [p.code, p])),
    ),
    purposes: diffKind(
      new Map(next.purposes.map((p) => [p.code, p])),
      new Map(current.purposes.map((p) => [p.code, p])),
      (p) => p.status === PurposeStatus.Active,
    ),
    systems: diffKind(a.systems, b.systems),
    datasets: diffKind(a.datasets, b.datasets),
    fields: diffKind(a.fields, b.fields),
  };
}

export function isEmptyDiff(diff: RegisterDiff): boolean {
  return Object.values(diff).every(
    (d: KindDiff) => !d.created.length && !d.changed.length && !d.retired.length,
  );
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
