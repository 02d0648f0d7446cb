import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isDeepStrictEqual } from 'node:util';
import { DataSource, EntityManager, In } from 'typeorm';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../../common/pagination/cursor';
import { SecretCipher, SecretUndecryptable } from '../../common/secrets/secret-cipher';
import { AppAbility, asSubject } from '../../policies/ability.factory';
import { Action } from '../../policies/action.enum';
import type { Actor } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import { PurposeFieldBindings, SpecialFieldBinding } from '../purposes/purpose-field-bindings';
import { PurposesService } from '../purposes/purposes.service';
import { RegisterRevisionService } from '../register-revision/register-revision.service';
import type { CreateDatasetDto, DatasetResponseDto, UpdateDatasetDto } from './dto/dataset.dto';
import type {
  CreateFieldDto,
  ListFieldsQueryDto,
  PersonalFieldPageDto,
  PersonalFieldResponseDto,
  ReplaceFieldBindingsDto,
  UpdateFieldDto,
} from './dto/field.dto';
import type { CreateSystemDto, SystemResponseDto, UpdateSystemDto } from './dto/system.dto';
import { FieldPurposeEntity } from './entities/field-purpose.entity';
import { InventoryDatasetEntity } from './entities/inventory-dataset.entity';
import { InventorySystemEntity } from './entities/inventory-system.entity';
import { PersonalFieldEntity } from './entities/personal-field.entity';
import { MissingColumn, SystemScanEntity, UnregisteredColumn } from './entities/system-scan.entity';
import {
  DatasetAlreadyExists,
  DatasetNotEmpty,
  DatasetNotFound,
  FieldAlreadyExists,
  FieldBindingRefused,
  FieldNotFound,
  FieldRuleViolated,
  SystemAlreadyExists,
  SystemNotEmpty,
  SystemNotFound,
  SystemRuleViolated,
  SystemSecretUnreadable,
  SystemVersionMismatch,
} from './inventory.errors';
import {
  bindablePurposes,
  bindingSnapshot,
  byString,
  datasetSnapshot,
  effectiveAnonymisation,
  fieldSnapshot,
  InventoryState,
  sortBindings,
  systemSnapshot,
  toDatasetResponse,
  toFieldResponse,
  toSystemResponse,
} from './inventory.mapper';
import {
  anonymisationProblem,
  checkBindings,
  FieldFlag,
  fieldKeyOf,
  isSpecialCategory,
  splitDatasetName,
  SystemKind,
} from './inventory.model';
import type {
  PolicyInventory,
  RetentionDatasetPlan,
  RetentionPlanFilter,
  SystemScanFindings,
} from './inventory.types';

/** Filters of listFields/listAllFields (the HTTP query without pagination). */
export type FieldFilter = Pick<ListFieldsQueryDto, 'system' | 'category' | 'purpose' | 'special' | 'unbound'>;

/** Fields read per query by iterateFields (one query for them, one for their bindings). */
export const FIELD_BATCH_SIZE = 1000;

/** Associated data binding each encrypted secret to its system and column (see SecretCipher). */
export const connectionContext = (systemCode: string) => `system:${systemCode}:connectionString`;
export const webhookSecretContext = (systemCode: string) => `system:${systemCode}:webhookSecret`;

const SYSTEM_PROPERTIES = [
  'name',
  'description',
  'owner',
  'hostingLocation',
  'hostingCountry',
  'kind',
  'webhookUrl',
  'retentionSchedule',
] as const;

/**
 * The data inventory: systems, their datasets, personal-data fields and the purposes that justify
 * each field. Every write is one transaction with its audit record and a register revision bump.
 * Exported: the access check, the retention engine and the reports read the inventory through it.
 */
@Injectable()
export class InventoryService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly registerRevision: RegisterRevisionService,
    private readonly purposes: PurposesService,
    private readonly cipher: SecretCipher,
    private readonly purposeFieldBindings: PurposeFieldBindings,
  ) {}

  /** The purposes module cannot import this one (it is imported by it): it reads bindings through this. */
  onModuleInit(): void {
    this.purposeFieldBindings.register((m, codes) => this.specialFieldsBoundTo(m, codes));
  }

  // ---------------------------------------------------------------- systems

  async createSystem(dto: CreateSystemDto, actor: Actor): Promise<SystemResponseDto> {
    return this.registerRevision
      .transaction(async (m) => {
        if (await m.exists(InventorySystemEntity, { where: { code: dto.code } })) {
          throw new SystemAlreadyExists(`A system with code "${dto.code}" already exists`);
        }
        const system = m.create(InventorySystemEntity, {
          code: dto.code,
          version: 1,
          createdBy: actor.id,
          updatedBy: actor.id,
          connectionStringEncrypted: null,
          webhookSecretEncrypted: null,
        });
        for (const key of SYSTEM_PROPERTIES) {
          (system as unknown as Record<string, unknown>)[key] = dto[key] ?? null;
        }
        this.applySecrets(system, dto);
        this.assertSystemRules(system, true);
        const saved = await m.save(InventorySystemEntity, system);
        await this.recordChange(
          m,
          actor,
          'system.created',
          { type: 'system', id: saved.code },
          {
            after: systemSnapshot(saved),
          },
        );
        return toSystemResponse(saved, 0);
      })
      .catch(
        rethrowUniqueAs(() => new SystemAlreadyExists(`A system with code "${dto.code}" already exists`)),
      );
  }

  async updateSystem(
    code: string,
    dto: UpdateSystemDto,
    actor: Actor,
    expectedVersion?: number,
  ): Promise<SystemResponseDto> {
    return this.registerRevision.transaction(async (m) => {
      const system = await this.lockSystem(m, code);
      if (expectedVersion !== undefined && expectedVersion !== system.version) {
        throw new SystemVersionMismatch(
          `System "${code}" is at version ${system.version}, not ${expectedVersion}; reload it and retry`,
          { currentVersion: system.version },
        );
      }
      const before = systemSnapshot(system);
      for (const key of SYSTEM_PROPERTIES) {
        if (key in dto && dto[key] !== undefined) {
          (system as unknown as Record<string, unknown>)[key] = dto[key] ?? null;
        }
      }
      const secretsChanged = this.applySecrets(system, dto);
      this.assertSystemRules(system, false);
      const after = systemSnapshot(system);
      const changed = Object.keys(after).filter((k) => !isDeepStrictEqual(before[k], after[k]));
      changed.push(...secretsChanged.filter((k) => !changed.includes(k)));
      const datasetCount = await m.count(InventoryDatasetEntity, { where: { systemId: system.id } });
      if (changed.length === 0) return toSystemResponse(system, datasetCount);
      system.version += 1;
      system.updatedBy = actor.id;
      const saved = await m.save(InventorySystemEntity, system);
      await this.recordChange(
        m,
        actor,
        'system.updated',
        { type: 'system', id: code },
        {
          changedFields: changed.sort(),
          before,
          after: systemSnapshot(saved),
        },
      );
      return toSystemResponse(saved, datasetCount);
    });
  }

  async deleteSystem(code: string, actor: Actor): Promise<void> {
    await this.registerRevision.transaction(async (m) => {
      const system = await this.lockSystem(m, code);
      const datasets = await m.count(InventoryDatasetEntity, { where: { systemId: system.id } });
      if (datasets > 0) {
        throw new SystemNotEmpty(`System "${code}" still has ${datasets} dataset(s); delete them first`);
      }
      await m.delete(SystemScanEntity, { systemId: system.id });
      await m.delete(InventorySystemEntity, { id: system.id });
      await this.recordChange(
        m,
        actor,
        'system.deleted',
        { type: 'system', id: code },
        {
          before: systemSnapshot(system),
        },
      );
    });
  }

  async getSystem(code: string): Promise<SystemResponseDto> {
    const system = await this.dataSource.manager.findOne(InventorySystemEntity, { where: { code } });
    if (!system) throw new SystemNotFound(`No system with code "${code}"`);
    const count = await this.dataSource.manager.count(InventoryDatasetEntity, {
      where: { systemId: system.id },
    });
    return toSystemResponse(system, count);
  }

  async listSystems(): Promise<SystemResponseDto[]> {
    const m = this.dataSource.manager;
    const [systems, datasets] = await Promise.all([
      m.find(InventorySystemEntity, { order: { code: 'ASC' } }),
      m.find(InventoryDatasetEntity, { select: { id: true, systemId: true } }),
    ]);
    return systems.map((s) => toSystemResponse(s, datasets.filter((d) => d.systemId === s.id).length));
  }

  // ---------------------------------------------------------------- datasets

  async createDataset(systemCode: string, dto: CreateDatasetDto, actor: Actor): Promise<DatasetResponseDto> {
    return this.registerRevision
      .transaction(async (m) => {
        const system = await this.lockSystem(m, systemCode);
        if (await m.exists(InventoryDatasetEntity, { where: { systemId: system.id, name: dto.name } })) {
          throw new DatasetAlreadyExists(`System "${systemCode}" already has a dataset "${dto.name}"`);
        }
        const saved = await m.save(
          InventoryDatasetEntity,
          m.create(InventoryDatasetEntity, {
            systemId: system.id,
            name: dto.name,
            description: dto.description ?? null,
            primaryKey: dto.primaryKey,
            subjectColumn: dto.subjectColumn ?? null,
            timestampColumns: compactTimestamps(dto.timestampColumns),
          }),
        );
        await this.recordChange(m, actor, 'dataset.created', datasetTarget(systemCode, saved.name), {
          after: datasetSnapshot(saved, systemCode),
        });
        return toDatasetResponse(saved, systemCode, 0);
      })
      .catch(
        rethrowUniqueAs(
          () => new DatasetAlreadyExists(`System "${systemCode}" already has a dataset "${dto.name}"`),
        ),
      );
  }

  async updateDataset(
    systemCode: string,
    name: string,
    dto: UpdateDatasetDto,
    actor: Actor,
  ): Promise<DatasetResponseDto> {
    return this.registerRevision.transaction(async (m) => {
      const { dataset } = await this.lockDataset(m, systemCode, name);
      const before = datasetSnapshot(dataset, systemCode);
      if (dto.description !== undefined) dataset.description = dto.description ?? null;
      if (dto.primaryKey !== undefined) dataset.primaryKey = dto.primaryKey;
      if (dto.subjectColumn !== undefined) dataset.subjectColumn = dto.subjectColumn ?? null;
      if (dto.timestampColumns !== undefined) {
        dataset.timestampColumns = compactTimestamps(dto.timestampColumns);
      }
      const after = datasetSnapshot(dataset, systemCode);
      const fieldCount = await m.count(PersonalFieldEntity, { where: { datasetId: dataset.id } });
      if (isDeepStrictEqual(normalise(before), normalise(after))) {
        return toDatasetResponse(dataset, systemCode, fieldCount);
      }
      const saved = await m.save(InventoryDatasetEntity, dataset);
      await this.recordChange(m, actor, 'dataset.updated', datasetTarget(systemCode, name), {
        before,
        after,
      });
      return toDatasetResponse(saved, systemCode, fieldCount);
    });
  }

  async deleteDataset(systemCode: string, name: string, actor: Actor): Promise<void> {
    await this.registerRevision.transaction(async (m) => {
      const { dataset } = await this.lockDataset(m, systemCode, name);
      const fields = await m.count(PersonalFieldEntity, { where: { datasetId: dataset.id } });
      if (fields > 0) {
        throw new DatasetNotEmpty(`Dataset "${name}" still has ${fields} field(s); delete them first`);
      }
      await m.delete(InventoryDatasetEntity, { id: dataset.id });
      await this.recordChange(m, actor, 'dataset.deleted', datasetTarget(systemCode, name), {
        before: datasetSnapshot(dataset, systemCode),
      });
    });
  }

  async getDataset(systemCode: string, name: string): Promise<DatasetResponseDto> {
    const m = this.dataSource.manager;
    const system = await m.findOne(InventorySystemEntity, { where: { code: systemCode } });
    const dataset =
      system && (await m.findOne(InventoryDatasetEntity, { where: { systemId: system.id, name } }));
    if (!dataset) throw new DatasetNotFound(`System "${systemCode}" has no dataset "${name}"`);
    const count = await m.count(PersonalFieldEntity, { where: { datasetId: dataset.id } });
    return toDatasetResponse(dataset, systemCode, count);
  }

  /** Datasets of one system (404 if it does not exist), or of every system. */
  async listDatasets(systemCode?: string): Promise<DatasetResponseDto[]> {
    const m = this.dataSource.manager;
    const systems = await m.find(InventorySystemEntity);
    const codeById = new Map(systems.map((s) => [s.id, s.code]));
    const system = systemCode ? systems.find((s) => s.code === systemCode) : undefined;
    if (systemCode && !system) throw new SystemNotFound(`No system with code "${systemCode}"`);
    const [datasets, fields] = await Promise.all([
      m.find(InventoryDatasetEntity, { where: system ? { systemId: system.id } : {} }),
      m.find(PersonalFieldEntity, { select: { id: true, datasetId: true } }),
    ]);
    return datasets
      .map((d) =>
        toDatasetResponse(d, codeById.get(d.systemId)!, fields.filter((f) => f.datasetId === d.id).length),
      )
      .sort((a, b) => byString(a.systemCode, b.systemCode) || byString(a.name, b.name));
  }

  // ---------------------------------------------------------------- fields

  async createField(dto: CreateFieldDto, actor: Actor): Promise<PersonalFieldResponseDto> {
    const key = fieldKeyOf(dto.system, dto.dataset, dto.column);
    return this.registerRevision
      .transaction(async (m) => {
        const system = await m.findOne(InventorySystemEntity, { where: { code: dto.system } });
        const dataset =
          system &&
          (await m.findOne(InventoryDatasetEntity, { where: { systemId: system.id, name: dto.dataset } }));
        if (!dataset) {
          throw new FieldRuleViolated(
            `System "${dto.system}" has no dataset "${dto.dataset}"; declare it first`,
            [{ property: 'dataset', message: `unknown dataset ${dto.system}/${dto.dataset}` }],
          );
        }
        if (await m.exists(PersonalFieldEntity, { where: { key } })) {
          throw new FieldAlreadyExists(`Field "${key}" is already registered`);
        }
        this.assertAnonymisation(dto.anonymisation, 'anonymisation');
        const saved = await m.save(
          PersonalFieldEntity,
          m.create(PersonalFieldEntity, {
            key,
            datasetId: dataset.id,
            columnName: dto.column,
            dataCategory: dto.dataCategory,
            special: isSpecialCategory(dto.dataCategory),
            description: dto.description ?? null,
            anonymisation: dto.anonymisation ? { ...dto.anonymisation } : null,
          }),
        );
        await this.recordChange(
          m,
          actor,
          'field.created',
          { type: 'field', id: key },
          {
            after: fieldSnapshot(saved, []),
          },
        );
        return this.fieldView(m, saved.key);
      })
      .catch(rethrowUniqueAs(() => new FieldAlreadyExists(`Field "${key}" is already registered`)));
  }

  async updateField(key: string, dto: UpdateFieldDto, actor: Actor): Promise<PersonalFieldResponseDto> {
    return this.registerRevision.transaction(async (m) => {
      const field = await this.lockField(m, key);
      const bindings = await m.find(FieldPurposeEntity, { where: { fieldId: field.id } });
      const before = fieldSnapshot(field, bindings);
      if (dto.dataCategory !== undefined) {
        field.dataCategory = dto.dataCategory;
        field.special = isSpecialCategory(dto.dataCategory);
      }
      if (dto.description !== undefined) field.description = dto.description ?? null;
      if (dto.anonymisation !== undefined) {
        this.assertAnonymisation(dto.anonymisation, 'anonymisation');
        field.anonymisation = dto.anonymisation ? { ...dto.anonymisation } : null;
      }
      if (field.special && bindings.length > 0) {
        // Re-categorising a bound field must not sneak special-category data under an unfit purpose.
        const purposes = bindablePurposes(await this.purposes.listAll(m));
        const codes = bindings.map((b) => b.purposeCode);
        const problems = checkBindings(field, codes, purposes, new Set(codes)).filter(
          (p) => p.reason === 'special_category_without_condition',
        );
        if (problems.length)
          throw new FieldBindingRefused(problems.map((p) => p.message).join('; '), problems);
      }
      const after = fieldSnapshot(field, bindings);
      if (!isDeepStrictEqual(normalise(before), normalise(after))) {
        await m.save(PersonalFieldEntity, field);
        await this.recordChange(m, actor, 'field.updated', { type: 'field', id: key }, { before, after });
      }
      return this.fieldView(m, key);
    });
  }

  async deleteField(key: string, actor: Actor): Promise<void> {
    await this.registerRevision.transaction(async (m) => {
      const field = await this.lockField(m, key);
      const bindings = await m.find(FieldPurposeEntity, { where: { fieldId: field.id } });
      await m.delete(PersonalFieldEntity, { id: field.id });
      await this.recordChange(
        m,
        actor,
        'field.deleted',
        { type: 'field', id: key },
        {
          before: fieldSnapshot(field, bindings),
        },
      );
    });
  }

  /** Replaces every binding of a field at once (the set is small and reviewed as a whole). */
  async replaceBindings(
    key: string,
    dto: ReplaceFieldBindingsDto,
    actor: Actor,
  ): Promise<PersonalFieldResponseDto> {
    return this.registerRevision.transaction(async (m) => {
      const field = await this.lockField(m, key);
      const current = await m.find(FieldPurposeEntity, { where: { fieldId: field.id } });
      const purposes = bindablePurposes(await this.purposes.listAll(m));
      const problems: { property: string; message: string }[] = checkBindings(
        field,
        dto.bindings.map((b) => b.purpose),
        purposes,
        new Set(current.map((b) => b.purposeCode)),
      ).map((p) => ({ property: `bindings[${p.purposeCode}]`, message: p.message, reason: p.reason }));
      dto.bindings.forEach((b, i) => {
        const problem = anonymisationProblem(b.anonymisation);
        if (problem) problems.push({ property: `bindings.${i}.anonymisation`, message: problem });
      });
      if (problems.length) {
        throw new FieldBindingRefused(
          `The bindings of "${key}" break a register rule: ${problems.map((p) => p.message).join('; ')}`,
          problems,
        );
      }
      const next = dto.bindings.map((b) =>
        m.create(FieldPurposeEntity, {
          fieldId: field.id,
          purposeCode: b.purpose,
          actions: [...b.actions].sort(),
          obligation: b.obligation ?? null,
          appliesToSubPurposes: b.appliesToSubPurposes ?? false,
          anonymisation: b.anonymisation ? { ...b.anonymisation } : null,
        }),
      );
      const before = sortBindings(current).map(bindingSnapshot);
      const after = sortBindings(next).map(bindingSnapshot);
      if (!isDeepStrictEqual(normalise(before), normalise(after))) {
        await m.delete(FieldPurposeEntity, { fieldId: field.id });
        if (next.length) await m.save(FieldPurposeEntity, next);
        // Touch the field so its updatedAt says when its justification last changed.
        await m.update(PersonalFieldEntity, { id: field.id }, { updatedAt: new Date() });
        await this.recordChange(
          m,
          actor,
          'field.bindings_replaced',
          { type: 'field', id: key },
          {
            before,
            after,
          },
        );
      }
      return this.fieldView(m, key);
    });
  }

  /** A field with its bindings, effective retention and flags; unseen and unknown look the same. */
  async getField(key: string, ability: AppAbility): Promise<PersonalFieldResponseDto> {
    const view = fieldViewer(ability)(await this.fieldView(this.dataSource.manager, key));
    if (!view) throw new FieldNotFound(`No field with key "${key}"`);
    return view;
  }

  async listFields(query: ListFieldsQueryDto, ability: AppAbility): Promise<PersonalFieldPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor ? decodeCursor<[string]>(query.cursor, 1)[0] : undefined;
    const matches = (await this.listAllFields(query, ability)).filter((f) => !after || f.key > after);
    const items = matches.slice(0, limit);
    const nextCursor = matches.length > limit ? encodeCursor([items[items.length - 1].key]) : null;
    return { items, nextCursor };
  }

  /** Every field matching the filter that `ability` may read (SYSTEM_ABILITY: all), without pagination. */
  async listAllFields(filter: FieldFilter, ability: AppAbility): Promise<PersonalFieldResponseDto[]> {
    const state = await this.loadState(this.dataSource.manager);
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
    const m = this.dataSource.manager;
    const viewer = fieldViewer(ability);
    const purposes = bindablePurposes(await this.purposes.listAll(m));
    const systemsById = new Map<string, InventorySystemEntity>();
    const datasetsById = new Map<string, InventoryDatasetEntity>();
    let after: string | null = null;
    for (;;) {
      // COLLATE "C": byte order, the order of listAllFields (byString) whatever the database locale.
      const qb = m.createQueryBuilder(PersonalFieldEntity, 'f');
      if (after !== null) qb.where('f.key COLLATE "C" > :after', { after });
      const fields = await qb.orderBy('f.key COLLATE "C"').limit(batchSize).getMany();
      if (fields.length === 0) return;
      after = fields[fields.length - 1].key;

      const missingDatasets = [...new Set(fields.map((f) => f.datasetId))].filter(
        (id) => !datasetsById.has(id),
      );
      if (missingDatasets.length) {
        for (const d of await m.find(InventoryDatasetEntity, { where: { id: In(missingDatasets) } }))
          datasetsById.set(d.id, d);
      }
      const missingSystems = [...new Set(fields.map((f) => datasetsById.get(f.datasetId)?.systemId))].filter(
        (id): id is string => id !== undefined && !systemsById.has(id),
      );
      if (missingSystems.length) {
        for (const s of await m.find(InventorySystemEntity, { where: { id: In(missingSystems) } }))
          systemsById.set(s.id, s);
      }
      const bindingsByField = new Map<string, FieldPurposeEntity[]>();
      for (const b of await m.find(FieldPurposeEntity, { where: { fieldId: In(fields.map((f) => f.id)) } })) {
        bindingsByField.set(b.fieldId, [...(bindingsByField.get(b.fieldId) ?? []), b]);
      }
      const state: InventoryState = { systemsById, datasetsById, fields, bindingsByField, purposes };
      const views = fields
        // A field deleted with its dataset between two reads is skipped, as a later read would.
        .filter((f) => systemsById.has(datasetsById.get(f.datasetId)?.systemId ?? ''))
        .map((f) => viewer(toFieldResponse(f, state)))
        .filter((f): f is PersonalFieldResponseDto => f !== null && matchesFilter(f, filter));
      if (views.length) yield views;
      if (fields.length < batchSize) return;
    }
  }

  /** GET /purposes/{code}/fields: the purpose must be visible to the caller. */
  async listFieldsOfPurpose(code: string, ability: AppAbility): Promise<PersonalFieldResponseDto[]> {
    await this.purposes.get(code, ability);
    return this.listAllFields({ purpose: code }, ability);
  }

  // ---------------------------------------------------------------- for other modules

  /** Every field and binding, for the access check to compile its policy (one read). */
  async getPolicyInventory(manager: EntityManager = this.dataSource.manager): Promise<PolicyInventory> {
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
    const state = await this.loadState(this.dataSource.manager);
    const fieldsByDataset = new Map<string, PersonalFieldEntity[]>();
    for (const f of state.fields)
      fieldsByDataset.set(f.datasetId, [...(fieldsByDataset.get(f.datasetId) ?? []), f]);
    const plans: RetentionDatasetPlan[] = [];
    for (const dataset of state.datasetsById.values()) {
      const system = state.systemsById.get(dataset.systemId)!;
      if (filter.systemCode && system.code !== filter.systemCode) continue;
      if (filter.datasetId && dataset.id !== filter.datasetId) continue;
      const { schema, table } = splitDatasetName(dataset.name);
      plans.push({
        system: {
          code: system.code,
          kind: system.kind,
          ...(system.connectionStringEncrypted ? { connectionString: this.decryptConnection(system) } : {}),
          ...(system.webhookUrl ? { webhookUrl: system.webhookUrl } : {}),
          ...(system.webhookSecretEncrypted
            ? {
                webhookSecret: this.decryptSecret(
                  system.webhookSecretEncrypted,
                  webhookSecretContext(system.code),
                  system.code,
                ),
              }
            : {}),
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

  /**
   * What the last scan of each system found unregistered (minus what has been registered since),
   * and the registered fields it found missing (minus those removed since). Filtered in SQL, with
   * anti-joins on the field key index: no list of field keys is read into memory, however large
   * the register. Findings keep the scan's order.
   */
  async listLastScanFindings(): Promise<SystemScanFindings[]> {
    const rows = await this.dataSource.manager.query<
      { systemCode: string; scannedAt: Date | string; unregistered: unknown; missing: unknown }[]
    >(
      `WITH last AS (
         SELECT DISTINCT ON (s.system_id) s.system_id, s.scanned_at, s.unregistered, s.missing
           FROM system_scan s
          ORDER BY s.system_id, s.scanned_at DESC, s.id DESC
       )
       SELECT sys.code AS "systemCode", last.scanned_at AS "scannedAt",
              COALESCE((SELECT jsonb_agg(u.col ORDER BY u.ord)
                          FROM jsonb_array_elements(last.unregistered) WITH ORDINALITY AS u(col, ord)
                         WHERE NOT EXISTS (SELECT 1 FROM personal_field f
                                            WHERE f.key = u.col->>'suggestedKey')), '[]'::jsonb)
                AS unregistered,
              COALESCE((SELECT jsonb_agg(x.col ORDER BY x.ord)
                          FROM jsonb_array_elements(last.missing) WITH ORDINALITY AS x(col, ord)
                         WHERE EXISTS (SELECT 1 FROM personal_field f WHERE f.key = x.col->>'key')), '[]'::jsonb)
                AS missing
         FROM last JOIN inventory_system sys ON sys.id = last.system_id
        ORDER BY sys.code COLLATE "C"`,
    );
    return rows.map((r) => ({
      systemCode: r.systemCode,
      scannedAt: r.scannedAt instanceof Date ? r.scannedAt : new Date(r.scannedAt),
      unregistered: jsonbValue<UnregisteredColumn[]>(r.unregistered),
      missing: jsonbValue<MissingColumn[]>(r.missing),
    }));
  }

  /** Special-category fields bound to any of `purposeCodes`, in the caller's transaction. */
  async specialFieldsBoundTo(m: EntityManager, purposeCodes: string[]): Promise<SpecialFieldBinding[]> {
    if (purposeCodes.length === 0) return [];
    return m.query<SpecialFieldBinding[]>(
      `SELECT b.purpose_code AS "purposeCode", f.key AS "fieldKey"
         FROM field_purpose b JOIN personal_field f ON f.id = b.field_id
        WHERE f.special AND b.purpose_code = ANY($1::text[])
        ORDER BY b.purpose_code COLLATE "C", f.key COLLATE "C"`,
      [purposeCodes],
    );
  }

  /** For the retention engine: settles a crashed batch of a dataset removed since (never returned). */
  async systemConnectionString(code: string): Promise<string | null> {
    const system = await this.dataSource.manager.findOne(InventorySystemEntity, { where: { code } });
    return system?.connectionStringEncrypted ? this.decryptConnection(system) : null;
  }

  /** The decrypted connection string of a postgres system (for the scan; never returned). */
  async connectionStringOf(
    code: string,
  ): Promise<{ system: InventorySystemEntity; connectionString: string | null }> {
    const system = await this.dataSource.manager.findOne(InventorySystemEntity, { where: { code } });
    if (!system) throw new SystemNotFound(`No system with code "${code}"`);
    return {
      system,
      connectionString: system.connectionStringEncrypted ? this.decryptConnection(system) : null,
    };
  }

  /** Everything in the inventory, with the purposes as bindings see them (read by views and the register IO). */
  async loadState(m: EntityManager): Promise<InventoryState> {
    // Sequential: m may be a transaction's single connection.
    const systems = await m.find(InventorySystemEntity);
    const datasets = await m.find(InventoryDatasetEntity);
    const fields = await m.find(PersonalFieldEntity);
    const bindings = await m.find(FieldPurposeEntity);
    const purposes = await this.purposes.listAll(m);
    const bindingsByField = new Map<string, FieldPurposeEntity[]>();
    for (const b of bindings) bindingsByField.set(b.fieldId, [...(bindingsByField.get(b.fieldId) ?? []), b]);
    return {
      systemsById: new Map(systems.map((s) => [s.id, s])),
      datasetsById: new Map(datasets.map((d) => [d.id, d])),
      fields,
      bindingsByField,
      purposes: bindablePurposes(purposes),
    };
  }

  // ---------------------------------------------------------------- internals

  private async fieldView(m: EntityManager, key: string): Promise<PersonalFieldResponseDto> {
    const field = await m.findOne(PersonalFieldEntity, { where: { key } });
    if (!field) throw new FieldNotFound(`No field with key "${key}"`);
    const dataset = await m.findOneOrFail(InventoryDatasetEntity, { where: { id: field.datasetId } });
    const system = await m.findOneOrFail(InventorySystemEntity, { where: { id: dataset.systemId } });
    const bindings = await m.find(FieldPurposeEntity, { where: { fieldId: field.id } });
    const purposes = bindablePurposes(await this.purposes.listAll(m));
    return toFieldResponse(field, {
      systemsById: new Map([[system.id, system]]),
      datasetsById: new Map([[dataset.id, dataset]]),
      fields: [field],
      bindingsByField: new Map([[field.id, bindings]]),
      purposes,
    });
  }

  /** Applies write-only secrets from a DTO; returns the names of the secrets that changed. */
  private applySecrets(system: InventorySystemEntity, dto: CreateSystemDto | UpdateSystemDto): string[] {
    const changed: string[] = [];
    if (dto.connectionString !== undefined) {
      system.connectionStringEncrypted = dto.connectionString
        ? this.cipher.encrypt(dto.connectionString, connectionContext(system.code))
        : null;
      changed.push('connectionString');
    }
    if (dto.webhookSecret !== undefined) {
      system.webhookSecretEncrypted = dto.webhookSecret
        ? this.cipher.encrypt(dto.webhookSecret, webhookSecretContext(system.code))
        : null;
      changed.push('webhookSecret');
    }
    return changed;
  }

  private assertSystemRules(system: InventorySystemEntity, creating: boolean): void {
    const problems: { property: string; message: string }[] = [];
    if (system.connectionStringEncrypted && system.kind !== SystemKind.Postgres) {
      problems.push({
        property: 'connectionString',
        message: 'only a postgres system holds a connection string (clear it with null when changing kind)',
      });
    }
    if (system.kind !== SystemKind.Webhook && (system.webhookUrl || system.webhookSecretEncrypted)) {
      problems.push({
        property: 'webhookUrl',
        message:
          'only a webhook system has a webhook URL and secret (clear them with null when changing kind)',
      });
    }
    if (system.kind === SystemKind.Webhook && !system.webhookUrl) {
      problems.push({ property: 'webhookUrl', message: 'a webhook system needs webhookUrl' });
    }
    if (problems.length) {
      throw new SystemRuleViolated(
        `The system ${creating ? 'cannot be created' : 'change is refused'}: ${problems.map((p) => p.message).join('; ')}`,
        problems,
      );
    }
  }

  private assertAnonymisation(
    a: { strategy: string; value?: string } | null | undefined,
    property: string,
  ): void {
    const problem = anonymisationProblem(a as Parameters<typeof anonymisationProblem>[0]);
    if (problem) throw new FieldRuleViolated(`${property}: ${problem}`, [{ property, message: problem }]);
  }

  private decryptConnection(system: InventorySystemEntity): string {
    return this.decryptSecret(system.connectionStringEncrypted!, connectionContext(system.code), system.code);
  }

  private decryptSecret(stored: string, context: string, code: string): string {
    try {
      return this.cipher.decrypt(stored, context);
    } catch (e) {
      if (e instanceof SecretUndecryptable) {
        throw new SystemSecretUnreadable(
          `The secrets of system "${code}" cannot be decrypted: was SECRETS_KEY changed? Set them again`,
        );
      }
      throw e;
    }
  }

  private async lockSystem(m: EntityManager, code: string): Promise<InventorySystemEntity> {
    const system = await m.findOne(InventorySystemEntity, {
      where: { code },
      lock: { mode: 'pessimistic_write' },
    });
    if (!system) throw new SystemNotFound(`No system with code "${code}"`);
    return system;
  }

  private async lockDataset(
    m: EntityManager,
    systemCode: string,
    name: string,
  ): Promise<{ system: InventorySystemEntity; dataset: InventoryDatasetEntity }> {
    const system = await this.lockSystem(m, systemCode);
    const dataset = await m.findOne(InventoryDatasetEntity, {
      where: { systemId: system.id, name },
      lock: { mode: 'pessimistic_write' },
    });
    if (!dataset) throw new DatasetNotFound(`System "${systemCode}" has no dataset "${name}"`);
    return { system, dataset };
  }

  private async lockField(m: EntityManager, key: string): Promise<PersonalFieldEntity> {
    const field = await m.findOne(PersonalFieldEntity, {
      where: { key },
      lock: { mode: 'pessimistic_write' },
    });
    if (!field) throw new FieldNotFound(`No field with key "${key}"`);
    return field;
  }

  private async recordChange(
    m: EntityManager,
    actor: Actor,
    type: string,
    target: { type: string; id: string },
    payload: Record<string, unknown>,
  ): Promise<void> {
    await this.registerRevision.bump(m);
    await this.audit.recordInTransaction(m, { type, actor, target, payload });
  }
}

function datasetTarget(systemCode: string, name: string) {
  return { type: 'dataset', id: `${systemCode}/${name}` };
}

export function compactTimestamps(
  t: { collection?: string; lastInteraction?: string; contractEnd?: string } | undefined,
) {
  const out: { collection?: string; lastInteraction?: string; contractEnd?: string } = {};
  if (t?.collection) out.collection = t.collection;
  if (t?.lastInteraction) out.lastInteraction = t.lastInteraction;
  if (t?.contractEnd) out.contractEnd = t.contractEnd;
  return out;
}

/** The filter of listAllFields, applied to one view (iterateFields). */
function matchesFilter(f: PersonalFieldResponseDto, filter: FieldFilter): boolean {
  return (
    (!filter.system || f.systemCode === filter.system) &&
    (!filter.category || f.dataCategory === filter.category) &&
    (!filter.purpose || f.purposeCodes.includes(filter.purpose)) &&
    (filter.special === undefined || f.special === filter.special) &&
    (filter.unbound === undefined || f.flags.includes(FieldFlag.Unbound) === filter.unbound)
  );
}

/** Record-level rule; internal callers pass SYSTEM_ABILITY (there is no "no ability" case). */
function canRead(view: PersonalFieldResponseDto, ability: AppAbility): boolean {
  return ability.can(Action.Read, asSubject('PersonalField', view));
}

/**
 * A field as `ability` may see it, or null when it may not see the field at all. A caller whose
 * read of fields is conditional (an application: fields bound to its purposes) sees only the
 * bindings it would be allowed to see on their own: the other purposes of the field, and which of
 * them sets the effective retention, are not its to know. The retention itself (how long the field
 * is kept) and the flags describe the field and stay. DPOs, auditors and SYSTEM_ABILITY see all.
 */
function fieldViewer(
  ability: AppAbility,
): (view: PersonalFieldResponseDto) => PersonalFieldResponseDto | null {
  const restricted = ability
    .rulesFor(Action.Read, 'PersonalField')
    .some((rule) => rule.inverted || rule.conditions !== undefined || rule.fields !== undefined);
  return (view) => {
    if (!canRead(view, ability)) return null;
    if (!restricted) return view;
    const bindings = view.bindings.filter((b) =>
      canRead({ ...view, bindings: [b], purposeCodes: [b.purposeCode] }, ability),
    );
    if (bindings.length === view.bindings.length) return view;
    const purposeCodes = bindings.map((b) => b.purposeCode);
    const retention = view.effectiveRetention;
    return {
      ...view,
      bindings,
      purposeCodes,
      effectiveRetention:
        retention && !purposeCodes.includes(retention.purposeCode ?? '')
          ? { ...retention, purposeCode: null }
          : retention,
    };
  };
}

/** A jsonb value of a raw query: parsed by node-postgres and PGlite, text with some drivers. */
function jsonbValue<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

/** DTO instances and plain JSON compare equal when their content is equal. */
export function normalise(v: unknown): unknown {
  return v === undefined ? null : (JSON.parse(JSON.stringify(v ?? null)) as unknown);
}

export function rethrowUniqueAs(make: () => Error) {
  return (err: unknown): never => {
    const code = (err as { driverError?: { code?: string } }).driverError?.code;
    throw code === '23505' ? make() : err;
  };
}
