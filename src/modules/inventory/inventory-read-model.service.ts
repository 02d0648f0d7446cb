import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppAbility } from '../../policies/ability.factory';
import { PurposeFieldBindings, SpecialFieldBinding } from '../purposes/purpose-field-bindings';
import { PurposesService } from '../purposes/purposes.service';
import type { PersonalFieldResponseDto } from './dto/field.dto';
import type { FieldPurposeEntity } from './entities/field-purpose.entity';
import type { InventoryDatasetEntity } from './entities/inventory-dataset.entity';
import type { InventorySystemEntity } from './entities/inventory-system.entity';
import type { PersonalFieldEntity } from './entities/personal-field.entity';
import type { MissingColumn, UnregisteredColumn } from './entities/system-scan.entity';
import { FieldFilter, fieldViewer, matchesFilter } from './field-view';
import {
  bindablePurposes,
  byString,
  effectiveAnonymisation,
  InventoryState,
  sortBindings,
  toFieldResponse,
} from './inventory.mapper';
import { splitDatasetName } from './inventory.model';
import { InventoryRepository } from './inventory.repository';
import type {
  PolicyInventory,
  RetentionDatasetPlan,
  RetentionPlanFilter,
  SystemScanFindings,
} from './inventory.types';
import { SystemSecrets } from './system-secrets';

export type { FieldFilter } from './field-view';

/** Fields read per query by iterateFields (one query for them, one for their bindings). */
export const FIELD_BATCH_SIZE = 1000;

/**
 * The inventory as other modules read it: the access check compiles its policy from
 * getPolicyInventory, the retention engine reads getRetentionPlan (secrets decrypted), the reports
 * read iterateFields and listLastScanFindings, the register IO and the field views read loadState.
 * Reads only; the writes are SystemsService, DatasetsService and FieldsService.
 */
@Injectable()
export class InventoryReadModel implements OnModuleInit {
  constructor(
    private readonly repository: InventoryRepository,
    private readonly purposes: PurposesService,
    private readonly secrets: SystemSecrets,
    private readonly purposeFieldBindings: PurposeFieldBindings,
  ) {}

  /** The purposes module cannot import this one (it is imported by it): it reads bindings through this. */
  onModuleInit(): void {
    this.purposeFieldBindings.register((m, codes) => this.specialFieldsBoundTo(m, codes));
  }

  /** Everything in the inventory, with the purposes as bindings see them (read by views and the register IO). */
  async loadState(m: EntityManager): Promise<InventoryState> {
    // Sequential: m may be a transaction's single connection.
    const { systems, datasets, fields, bindings } = await this.repository.loadRows(m);
    const purposes = await this.purposes.listAll(m);
    const bindingsByField = new Map<string, FieldPurposeEntity[]>();
    for (const b of bindings) bindingsByField.set(b.fieldId, [...(bindingsByField.get(b.fieldId) ?? []), b]);
    return {
      systemsById: new Map(systems.map((s) => [s.id, s])),
      datasetsById: new Map(datasets.map((d) => [d.id, d])),
      fields,
      bindingsByField,
      purposes: bindablePurposes(purposes),
      notNullColumns: await this.repository.notNullColumnKeys(m),
    };
  }

  /** Every field matching the filter that `ability` may read (SYSTEM_ABILITY: all), without pagination. */
  async listAllFields(filter: FieldFilter, ability: AppAbility): Promise<PersonalFieldResponseDto[]> {
    const state = await this.loadState(this.repository.manager);
    const viewer = fieldViewer(ability);
    // Filters apply to the caller's view: an application cannot find fields by a purpose it may not see.
    return state.fields
      .map((f) => viewer(toFieldResponse(f, state)))
      .filter((f): f is PersonalFieldResponseDto => f !== null && matchesFilter(f, filter))
      .sort((a, b) => byString(a.key, b.key));
  }

  /**
   * The fields of listAllFields (same view, filter and order), read in keyset batches of
   * `batchSize` so that memory stays flat whatever the size of the register (reports).
   * Purposes are read once; bindings, datasets and systems per batch. Not a snapshot: a field
   * written while iterating may or may not appear, but none is yielded twice. Empty batches
   * (every field filtered out) are skipped.
   */
  async *iterateFields(
    filter: FieldFilter,
    ability: AppAbility,
    batchSize = FIELD_BATCH_SIZE,
  ): AsyncGenerator<PersonalFieldResponseDto[]> {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be ≥ 1');
    const m = this.repository.manager;
    const viewer = fieldViewer(ability);
    const purposes = bindablePurposes(await this.purposes.listAll(m));
    const notNullColumns = await this.repository.notNullColumnKeys(m);
    const systemsById = new Map<string, InventorySystemEntity>();
    const datasetsById = new Map<string, InventoryDatasetEntity>();
    let after: string | null = null;
    for (;;) {
      const fields = await this.repository.fieldsAfter(m, after, batchSize);
      if (fields.length === 0) return;
      after = fields[fields.length - 1].key;

      const missingDatasets = [...new Set(fields.map((f) => f.datasetId))].filter(
        (id) => !datasetsById.has(id),
      );
      if (missingDatasets.length) {
        for (const d of await this.repository.findDatasetsByIds(m, missingDatasets))
          datasetsById.set(d.id, d);
      }
      const missingSystems = [...new Set(fields.map((f) => datasetsById.get(f.datasetId)?.systemId))].filter(
        (id): id is string => id !== undefined && !systemsById.has(id),
      );
      if (missingSystems.length) {
        for (const s of await this.repository.findSystemsByIds(m, missingSystems)) systemsById.set(s.id, s);
      }
      const bindingsByField = new Map<string, FieldPurposeEntity[]>();
      for (const b of await this.repository.bindingsOfFields(
        m,
        fields.map((f) => f.id),
      )) {
        bindingsByField.set(b.fieldId, [...(bindingsByField.get(b.fieldId) ?? []), b]);
      }
      const state: InventoryState = {
        systemsById,
        datasetsById,
        fields,
        bindingsByField,
        purposes,
        notNullColumns,
      };
      const views = fields
        // A field deleted with its dataset between two reads is skipped, as a later read would.
        .filter((f) => systemsById.has(datasetsById.get(f.datasetId)?.systemId ?? ''))
        .map((f) => viewer(toFieldResponse(f, state)))
        .filter((f): f is PersonalFieldResponseDto => f !== null && matchesFilter(f, filter));
      if (views.length) yield views;
      if (fields.length < batchSize) return;
    }
  }

  /** Every field and binding, for the access check to compile its policy (one read). */
  async getPolicyInventory(manager: EntityManager = this.repository.manager): Promise<PolicyInventory> {
    const state = await this.loadState(manager);
    const fields = [...state.fields].sort((a, b) => byString(a.key, b.key));
    return {
      fields: fields.map((f) => {
        const dataset = state.datasetsById.get(f.datasetId)!;
        return {
          key: f.key,
          systemCode: state.systemsById.get(dataset.systemId)!.code,
          dataset: dataset.name,
          column: f.columnName,
          dataCategory: f.dataCategory,
          special: f.special,
        };
      }),
      bindings: fields.flatMap((f) =>
        sortBindings(state.bindingsByField.get(f.id) ?? []).map((b) => ({
          fieldKey: f.key,
          purposeCode: b.purposeCode,
          actions: [...b.actions],
          obligation: b.obligation,
          appliesToSubPurposes: b.appliesToSubPurposes,
        })),
      ),
    };
  }

  /** Datasets with their system (secrets decrypted) and fields, for the retention engine. Internal only. */
  async getRetentionPlan(filter: RetentionPlanFilter = {}): Promise<RetentionDatasetPlan[]> {
    const state = await this.loadState(this.repository.manager);
    const fieldsByDataset = new Map<string, PersonalFieldEntity[]>();
    for (const f of state.fields)
      fieldsByDataset.set(f.datasetId, [...(fieldsByDataset.get(f.datasetId) ?? []), f]);
    const plans: RetentionDatasetPlan[] = [];
    for (const dataset of state.datasetsById.values()) {
      const system = state.systemsById.get(dataset.systemId)!;
      if (filter.systemCode && system.code !== filter.systemCode) continue;
      if (filter.datasetId && dataset.id !== filter.datasetId) continue;
      const { schema, table } = splitDatasetName(dataset.name);
      const connectionString = this.secrets.connectionString(system);
      const webhookSecret = this.secrets.webhookSecret(system);
      plans.push({
        system: {
          code: system.code,
          kind: system.kind,
          ...(connectionString !== null ? { connectionString } : {}),
          ...(system.webhookUrl ? { webhookUrl: system.webhookUrl } : {}),
          ...(webhookSecret !== null ? { webhookSecret } : {}),
          ...(system.retentionSchedule ? { retentionSchedule: system.retentionSchedule } : {}),
        },
        dataset: {
          id: dataset.id,
          name: dataset.name,
          schema,
          table,
          primaryKey: [...dataset.primaryKey],
          subjectColumn: dataset.subjectColumn,
          timestampColumns: { ...dataset.timestampColumns },
          archiveTable: dataset.archiveTable ?? null,
          referencedRows: dataset.referencedRows,
        },
        fields: (fieldsByDataset.get(dataset.id) ?? [])
          .sort((a, b) => byString(a.key, b.key))
          .map((f) => ({
            key: f.key,
            column: f.columnName,
            dataCategory: f.dataCategory,
            special: f.special,
            anonymisation: effectiveAnonymisation(f),
            bindings: sortBindings(state.bindingsByField.get(f.id) ?? []).map((b) => ({
              purposeCode: b.purposeCode,
              ...(b.anonymisation ? { anonymisation: b.anonymisation } : {}),
            })),
          })),
      });
    }
    return plans.sort(
      (a, b) => byString(a.system.code, b.system.code) || byString(a.dataset.name, b.dataset.name),
    );
  }

  /** For the retention engine: settles a crashed batch of a dataset removed since (never returned). */
  async systemConnectionString(code: string): Promise<string | null> {
    const system = await this.repository.findSystem(code);
    return system ? this.secrets.connectionString(system) : null;
  }

  /**
   * What the last scan of each system found unregistered (minus what has been registered since),
   * and the registered fields it found missing (minus those removed since), filtered in SQL.
   */
  async listLastScanFindings(): Promise<SystemScanFindings[]> {
    const rows = await this.repository.lastScanRows();
    return rows.map((r) => ({
      systemCode: r.systemCode,
      scannedAt: r.scannedAt instanceof Date ? r.scannedAt : new Date(r.scannedAt),
      unregistered: jsonbValue<UnregisteredColumn[]>(r.unregistered),
      missing: jsonbValue<MissingColumn[]>(r.missing),
    }));
  }

  /** Special-category fields bound to any of `purposeCodes`, in the caller's transaction. */
  specialFieldsBoundTo(m: EntityManager, purposeCodes: string[]): Promise<SpecialFieldBinding[]> {
    return this.repository.specialFieldsBoundTo(m, purposeCodes);
  }
}

/** A jsonb value of a raw query: parsed by node-postgres and PGlite, text with some drivers. */
function jsonbValue<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}
