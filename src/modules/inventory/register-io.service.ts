// Over ~400 lines: one use case, the register import, whose steps (parse, validate, diff, apply
// purposes then inventory, dry-run rollback) share one transaction and one diff; the document
// rules are register-document.ts's. Being reworked separately (docs/architecture.md, "Not yet
// split"); the next cut is the inventory upserts into their own class.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DataSource, EntityManager } from 'typeorm';
import { stringify } from 'yaml';
import { DomainError } from '../../common/errors/domain-error';
import { flattenValidationErrors } from '../../common/errors/validation';
import { inTransaction } from '../../database/transaction';
import type { Actor } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import { ProcessorsService } from '../processors/processors.service';
import type { CreatePurposeDto } from '../purposes/dto/create-purpose.dto';
import { INHERITABLE_FIELDS, PurposeStatus } from '../purposes/purpose.model';
import { PurposesService } from '../purposes/purposes.service';
import { RegisterRevisionService } from '../register-revision/register-revision.service';
import { RegisterDocumentDto, RegisterImportResultDto } from './dto/register.dto';
import { FieldPurposeEntity } from './entities/field-purpose.entity';
import { InventoryDatasetEntity } from './entities/inventory-dataset.entity';
import { InventorySystemEntity } from './entities/inventory-system.entity';
import { PersonalFieldEntity } from './entities/personal-field.entity';
import { SystemScanEntity } from './entities/system-scan.entity';
import { RegisterInvalid, RegisterMalformed } from './inventory.errors';
import {
  bindingSnapshot,
  compactTimestamps,
  datasetSnapshot,
  fieldSnapshot,
  InventoryState,
  sortBindings,
  systemDeclaration,
  systemSnapshot,
} from './inventory.mapper';
import {
  DEFAULT_REFERENCED_ROWS,
  fieldKeyOf,
  isSpecialCategory,
  isDatabaseKind,
  SystemKind,
} from './inventory.model';
import { InventoryReadModel } from './inventory-read-model.service';
import { parseRegisterBody } from './register-parse';
import { diffRegister, isEmptyDiff, RegisterDiff } from './register-diff';
import {
  canonicalRegister,
  parentsFirst,
  RegisterDataset,
  RegisterDocument,
  RegisterField,
  RegisterPurpose,
  RegisterSystem,
  stableJson,
} from './register-document';
import { validateRegister } from './register-validation';

/** Thrown to roll a dry run back after it has gone through every step of the real import. */
class DryRunRollback extends Error {
  constructor(readonly result: RegisterImportResultDto) {
    super('dry run');
  }
}

type Json = Record<string, unknown>;

/**
 * The register as code. Export writes the canonical document; import validates a whole document,
 * computes the diff, and applies it in ONE transaction (purposes through PurposesService's
 * manager-taking methods, so their rules, history and audit events are the usual ones). A dry run
 * performs the same import and rolls it back, so what it reports is exactly what would happen.
 */
@Injectable()
export class RegisterIoService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly inventory: InventoryReadModel,
    private readonly purposes: PurposesService,
    private readonly audit: AuditService,
    private readonly registerRevision: RegisterRevisionService,
    private readonly processors: ProcessorsService,
  ) {}

  async export(format: 'yaml' | 'json' = 'yaml'): Promise<{ contentType: string; body: string }> {
    const doc = await this.currentDocument(this.dataSource.manager);
    return format === 'json'
      ? { contentType: 'application/json; charset=utf-8', body: `${JSON.stringify(doc, null, 2)}\n` }
      : { contentType: 'application/yaml; charset=utf-8', body: stringify(doc, { lineWidth: 0 }) };
  }

  async import(body: unknown, dryRun: boolean, actor: Actor): Promise<RegisterImportResultDto> {
    const doc = this.parseAndValidate(body);
    try {
      return await inTransaction(this.dataSource, async (m) => {
        // Every register writer takes this lock first: the document diffed below stays the register
        // until this import commits (no API write can slip in between the diff and the apply).
        await this.registerRevision.lock(m);
        const current = await this.currentDocument(m);
        const problems = validateRegister(doc, current);
        if (problems.length) {
          throw new RegisterInvalid(
            `The register document breaks ${problems.length} rule(s); nothing was imported`,
            problems,
          );
        }
        const diff = diffRegister(doc, current);
        const applied = !isEmptyDiff(diff);
        if (applied) await this.apply(m, doc, current, diff, actor);
        if (dryRun) throw new DryRunRollback({ dryRun: true, applied: false, diff });
        return { dryRun: false, applied, diff };
      });
    } catch (err) {
      if (err instanceof DryRunRollback) return err.result;
      if (err instanceof DomainError && !(err instanceof RegisterInvalid)) {
        // A rule met while applying (e.g. a purpose change that breaks its sub-purposes).
        throw new RegisterInvalid(
          `The register document cannot be applied; nothing was imported: ${err.message}`,
          [{ path: err.code, message: err.message }],
        );
      }
      throw err;
    }
  }

  /** The register as it is now, in canonical form (what export returns and import diffs against). */
  async currentDocument(m: EntityManager): Promise<RegisterDocument> {
    const views = await this.purposes.listAll(m);
    const state = await this.inventory.loadState(m);
    const purposes = views.map((v) => {
      const own: Json = {
        code: v.code,
        name: v.name,
        description: v.description,
        parentCode: v.parentCode,
        status: v.status,
      };
      // Own values only: what a sub-purpose inherits belongs to its parent's entry.
      for (const key of INHERITABLE_FIELDS) {
        if (!(key in v.inheritedFrom)) own[key] = (v as unknown as Json)[key];
      }
      return own;
    });
    const processors = await this.processors.listDeclarations(m);
    return canonicalRegister({ processors, purposes, systems: inventoryDocument(state) });
  }

  private parseAndValidate(body: unknown): RegisterDocument {
    const raw = parseRegisterBody(body);
    if (!raw || typeof raw !== 'object' || Array.isArray(raw) || Object.keys(raw).length === 0) {
      throw new RegisterMalformed(
        'The body must be a register document (YAML with Content-Type application/yaml, or a JSON object)',
        [{ path: '(document)', message: 'expected a mapping with format, purposes and systems' }],
      );
    }
    const dto = plainToInstance(RegisterDocumentDto, raw);
    const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length) {
      const problems = flattenValidationErrors(errors).flatMap((p) =>
        p.constraints.map((message) => ({ path: p.property, message })),
      );
      throw new RegisterInvalid(
        `The register document is invalid (${problems.length} problem(s)); nothing was imported`,
        problems,
      );
    }
    return canonicalRegister(JSON.parse(JSON.stringify(raw)) as Json);
  }

  private async apply(
    m: EntityManager,
    doc: RegisterDocument,
    current: RegisterDocument,
    diff: RegisterDiff,
    actor: Actor,
  ): Promise<void> {
    // Register row lock first (the order every register writer follows), audit chain lock last.
    await this.registerRevision.bump(m);
    await this.audit.withDeferredRecords(m, async () => {
      // Processors first (purposes and systems name them), removed ones last (once nothing does).
      await this.processors.upsertWithin(m, doc.processors, actor);
      await this.applyPurposes(m, doc, current, actor);
      await this.applyInventory(m, doc, diff, actor);
      await this.processors.removeWithin(m, diff.processors.retired, actor);
      await this.audit.recordInTransaction(m, {
        type: 'register.imported',
        actor,
        target: { type: 'register', id: 'register' },
        payload: { diff },
      });
    });
  }

  private async applyPurposes(
    m: EntityManager,
    doc: RegisterDocument,
    current: RegisterDocument,
    actor: Actor,
  ): Promise<void> {
    const before = new Map(current.purposes.map((p) => [p.code, p]));
    const ordered = parentsFirst(doc.purposes);
    for (const p of ordered) {
      const old = before.get(p.code);
      if (!old) {
        await this.purposes.createWithin(m, declarationOf(p) as unknown as CreatePurposeDto, actor);
      } else if (
        old.status !== PurposeStatus.Retired &&
        stableJson(withoutStatus(old)) !== stableJson(withoutStatus(p))
      ) {
        // The document's final bindings were checked against its purposes (validateRegister).
        await this.purposes.updateWithin(m, p.code, declarationOf(p), actor, undefined, {
          bindingsCheckedByCaller: true,
        });
      }
    }
    for (const p of ordered) {
      const was = before.get(p.code)?.status ?? PurposeStatus.Draft;
      if (p.status !== PurposeStatus.Draft && was === PurposeStatus.Draft) {
        await this.purposes.activateWithin(m, p.code, actor);
      }
    }
    const inDoc = new Set(doc.purposes.map((p) => p.code));
    const toRetire = [
      ...ordered.filter(
        (p) => p.status === PurposeStatus.Retired && before.get(p.code)?.status !== PurposeStatus.Retired,
      ),
      ...parentsFirst(current.purposes).filter(
        (p) => !inDoc.has(p.code) && p.status === PurposeStatus.Active,
      ),
    ];
    // Children before parents: an active sub-purpose blocks its parent's retirement.
    for (const p of toRetire.reverse()) await this.purposes.retireWithin(m, p.code, actor);
  }

  private async applyInventory(
    m: EntityManager,
    doc: RegisterDocument,
    diff: RegisterDiff,
    actor: Actor,
  ): Promise<void> {
    const state = await this.inventory.loadState(m);
    const systems = new Map([...state.systemsById.values()].map((s) => [s.code, s]));
    const codeOf = (systemId: string) => state.systemsById.get(systemId)!.code;
    const datasets = new Map(
      [...state.datasetsById.values()].map((d) => [`${codeOf(d.systemId)}/${d.name}`, d]),
    );
    const fields = new Map(state.fields.map((f) => [f.key, f]));
    const record = (type: string, target: { type: string; id: string }, payload: Json) =>
      this.audit.recordInTransaction(m, { type, actor, target, payload });

    // Removals first, leaves before their parents.
    for (const key of diff.fields.retired) {
      const field = fields.get(key)!;
      await m.delete(PersonalFieldEntity, { id: field.id });
      await record(
        'field.deleted',
        { type: 'field', id: key },
        {
          before: fieldSnapshot(field, state.bindingsByField.get(field.id) ?? []),
        },
      );
    }
    for (const key of diff.datasets.retired) {
      const dataset = datasets.get(key)!;
      await m.delete(InventoryDatasetEntity, { id: dataset.id });
      await record(
        'dataset.deleted',
        { type: 'dataset', id: key },
        {
          before: datasetSnapshot(dataset, codeOf(dataset.systemId)),
        },
      );
    }
    for (const code of diff.systems.retired) {
      const system = systems.get(code)!;
      await m.delete(SystemScanEntity, { systemId: system.id });
      await m.delete(InventorySystemEntity, { id: system.id });
      await record('system.deleted', { type: 'system', id: code }, { before: systemSnapshot(system) });
    }

    for (const s of doc.systems) {
      const system = await this.upsertSystem(m, s, systems.get(s.code), actor, record);
      for (const d of s.datasets) {
        const dataset = await this.upsertDataset(m, system, d, datasets.get(`${s.code}/${d.name}`), record);
        for (const f of d.fields) {
          const key = fieldKeyOf(s.code, d.name, f.column);
          const existing = fields.get(key);
          await this.upsertField(
            m,
            dataset,
            key,
            f,
            existing,
            existing ? (state.bindingsByField.get(existing.id) ?? []) : [],
            record,
          );
        }
      }
    }
  }

  private async upsertSystem(
    m: EntityManager,
    s: RegisterSystem,
    existing: InventorySystemEntity | undefined,
    actor: Actor,
    record: AuditRecorder,
  ): Promise<InventorySystemEntity> {
    const system =
      existing ??
      m.create(InventorySystemEntity, {
        code: s.code,
        version: 0,
        createdBy: actor.id,
        connectionStringEncrypted: null,
        webhookSecretEncrypted: null,
      });
    const before = existing ? systemSnapshot(existing) : null;
    Object.assign(system, {
      name: s.name,
      description: s.description ?? null,
      owner: s.owner ?? null,
      hostingLocation: s.hostingLocation ?? null,
      hostingCountry: s.hostingCountry ?? null,
      kind: s.kind,
      webhookUrl: s.webhookUrl ?? null,
      retentionSchedule: s.retentionSchedule ?? null,
      processorCode: s.processorCode ?? null,
    });
    // The document carries no secrets; stored ones stay unless the new kind cannot hold them.
    if (!isDatabaseKind(s.kind)) system.connectionStringEncrypted = null;
    if (s.kind !== SystemKind.Webhook) system.webhookSecretEncrypted = null;
    const after = systemSnapshot(system);
    if (before && stableJson(before) === stableJson(after)) return system;
    system.version += 1;
    system.updatedBy = actor.id;
    const saved = await m.save(InventorySystemEntity, system);
    await record(
      existing ? 'system.updated' : 'system.created',
      { type: 'system', id: s.code },
      { before, after },
    );
    return saved;
  }

  private async upsertDataset(
    m: EntityManager,
    system: InventorySystemEntity,
    d: RegisterDataset,
    existing: InventoryDatasetEntity | undefined,
    record: AuditRecorder,
  ): Promise<InventoryDatasetEntity> {
    const dataset = existing ?? m.create(InventoryDatasetEntity, { systemId: system.id, name: d.name });
    const before = existing ? datasetSnapshot(existing, system.code) : null;
    Object.assign(dataset, {
      description: d.description ?? null,
      primaryKey: [...d.primaryKey],
      subjectColumn: d.subjectColumn ?? null,
      timestampColumns: compactTimestamps(d.timestampColumns),
      archiveTable: d.archive?.table ?? null,
      referencedRows: d.referencedRows ?? DEFAULT_REFERENCED_ROWS,
    });
    const after = datasetSnapshot(dataset, system.code);
    if (before && stableJson(before) === stableJson(after)) return dataset;
    const saved = await m.save(InventoryDatasetEntity, dataset);
    await record(
      existing ? 'dataset.updated' : 'dataset.created',
      { type: 'dataset', id: `${system.code}/${d.name}` },
      {
        before,
        after,
      },
    );
    return saved;
  }

  private async upsertField(
    m: EntityManager,
    dataset: InventoryDatasetEntity,
    key: string,
    f: RegisterField,
    existing: PersonalFieldEntity | undefined,
    currentBindings: FieldPurposeEntity[],
    record: AuditRecorder,
  ): Promise<void> {
    const field =
      existing ?? m.create(PersonalFieldEntity, { key, datasetId: dataset.id, columnName: f.column });
    const before = existing ? fieldSnapshot(existing, currentBindings) : null;
    Object.assign(field, {
      dataCategory: f.dataCategory,
      special: isSpecialCategory(f.dataCategory),
      description: f.description ?? null,
      anonymisation: f.anonymisation ?? null,
    });
    const bindings = f.purposes.map((b) =>
      m.create(FieldPurposeEntity, {
        purposeCode: b.purpose,
        actions: [...b.actions] as FieldPurposeEntity['actions'],
        obligation: (b.obligation ?? null) as FieldPurposeEntity['obligation'],
        appliesToSubPurposes: b.appliesToSubPurposes,
        anonymisation: (b.anonymisation ?? null) as FieldPurposeEntity['anonymisation'],
      }),
    );
    const after = fieldSnapshot(field, bindings);
    if (before && stableJson(before) === stableJson(after)) return;
    const saved = await m.save(PersonalFieldEntity, field);
    const bindingsChanged =
      stableJson(sortBindings(currentBindings).map(bindingSnapshot)) !==
      stableJson(sortBindings(bindings).map(bindingSnapshot));
    if (bindingsChanged) {
      await m.delete(FieldPurposeEntity, { fieldId: saved.id });
      if (bindings.length)
        await m.save(
          FieldPurposeEntity,
          bindings.map((b) => Object.assign(b, { fieldId: saved.id })),
        );
    }
    await record(existing ? 'field.updated' : 'field.created', { type: 'field', id: key }, { before, after });
  }
}

type AuditRecorder = (type: string, target: { type: string; id: string }, payload: Json) => Promise<unknown>;

/** The inventory part of the document, from the stored state (canonicalised by the caller). */
function inventoryDocument(state: InventoryState): Json[] {
  const datasetsBySystem = new Map<string, InventoryDatasetEntity[]>();
  for (const d of state.datasetsById.values()) {
    datasetsBySystem.set(d.systemId, [...(datasetsBySystem.get(d.systemId) ?? []), d]);
  }
  const fieldsByDataset = new Map<string, PersonalFieldEntity[]>();
  for (const f of state.fields)
    fieldsByDataset.set(f.datasetId, [...(fieldsByDataset.get(f.datasetId) ?? []), f]);
  return [...state.systemsById.values()].map((s) => ({
    ...systemDeclaration(s),
    datasets: (datasetsBySystem.get(s.id) ?? []).map((d) => ({
      name: d.name,
      description: d.description,
      primaryKey: d.primaryKey,
      subjectColumn: d.subjectColumn,
      timestampColumns: d.timestampColumns,
      ...(d.archiveTable ? { archive: { table: d.archiveTable } } : {}),
      ...(d.referencedRows !== DEFAULT_REFERENCED_ROWS ? { referencedRows: d.referencedRows } : {}),
      fields: (fieldsByDataset.get(d.id) ?? []).map((f) => ({
        column: f.columnName,
        dataCategory: f.dataCategory,
        description: f.description,
        anonymisation: f.anonymisation,
        purposes: (state.bindingsByField.get(f.id) ?? []).map((b) => ({
          purpose: b.purposeCode,
          actions: b.actions,
          obligation: b.obligation,
          appliesToSubPurposes: b.appliesToSubPurposes,
          anonymisation: b.anonymisation,
        })),
      })),
    })),
  }));
}

/** The purpose's declaration as a create/update DTO: absent values are null (= inherited / cleared). */
function declarationOf(p: RegisterPurpose): Json {
  const dto: Json = {
    code: p.code,
    name: p.name,
    description: p.description ?? null,
    parentCode: p.parentCode ?? null,
  };
  for (const key of INHERITABLE_FIELDS) dto[key] = (p as Json)[key] ?? null;
  return dto;
}

function withoutStatus(p: RegisterPurpose): Json {
  const { status: _status, ...rest } = p;
  return rest;
}
