import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import { FieldPurposeEntity } from './entities/field-purpose.entity';
import { InventoryDatasetEntity } from './entities/inventory-dataset.entity';
import { InventorySystemEntity } from './entities/inventory-system.entity';
import { PersonalFieldEntity } from './entities/personal-field.entity';
import { SystemScanEntity } from './entities/system-scan.entity';
import {
  bindingSnapshot,
  compactTimestamps,
  datasetSnapshot,
  fieldSnapshot,
  sortBindings,
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
import { RegisterDiff } from './register-diff';
import {
  RegisterDataset,
  RegisterDocument,
  RegisterField,
  RegisterSystem,
  stableJson,
} from './register-document';

type Json = Record<string, unknown>;

/**
 * The inventory part of a register import (systems, datasets, fields and their bindings), in the
 * import's transaction. It writes the tables directly, each change with its usual audit event; an
 * entry the document leaves as it is is not written.
 */
@Injectable()
export class RegisterInventoryApplier {
  constructor(
    private readonly inventory: InventoryReadModel,
    private readonly audit: AuditService,
  ) {}

  async apply(m: EntityManager, doc: RegisterDocument, diff: RegisterDiff, actor: Actor): Promise<void> {
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
