import { Injectable } from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';
import type { EntityManager } from 'typeorm';
import { rethrowUniqueAs } from '../../common/errors/unique-violation';
import { normaliseJson } from '../../common/json/normalise-json';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../../common/pagination/cursor';
import type { AppAbility } from '../../policies/ability.factory';
import type { Actor } from '../../policies/principal';
import { PurposeQueriesService } from '../purposes/purpose-queries.service';
import { PurposesService } from '../purposes/purposes.service';
import type {
  CreateFieldDto,
  ListFieldsQueryDto,
  PersonalFieldPageDto,
  PersonalFieldResponseDto,
  ReplaceFieldBindingsDto,
  UpdateFieldDto,
} from './dto/field.dto';
import type { PersonalFieldEntity } from './entities/personal-field.entity';
import { fieldViewer } from './field-view';
import {
  FieldAlreadyExists,
  FieldBindingRefused,
  FieldNotFound,
  FieldRuleViolated,
} from './inventory.errors';
import {
  bindablePurposes,
  bindingSnapshot,
  fieldSnapshot,
  sortBindings,
  toFieldResponse,
} from './inventory.mapper';
import { anonymisationProblem, checkBindings, fieldKeyOf, isSpecialCategory } from './inventory.model';
import { InventoryRepository } from './inventory.repository';
import { InventoryChanges } from './inventory-changes';
import { InventoryReadModel } from './inventory-read-model.service';

/**
 * The personal-data fields of each dataset and their bindings to purposes (which purposes justify
 * a field, for which actions, with which obligation). The binding rules (a special-category field
 * needs a purpose with an art. 9 condition, only active purposes, …) are checkBindings in
 * inventory.model.ts; this service applies them on every write.
 */
@Injectable()
export class FieldsService {
  constructor(
    private readonly repository: InventoryRepository,
    private readonly changes: InventoryChanges,
    private readonly purposes: PurposesService,
    private readonly purposeQueries: PurposeQueriesService,
    private readonly readModel: InventoryReadModel,
  ) {}

  async createField(dto: CreateFieldDto, actor: Actor): Promise<PersonalFieldResponseDto> {
    const key = fieldKeyOf(dto.system, dto.dataset, dto.column);
    const alreadyExists = () => new FieldAlreadyExists(`Field "${key}" is already registered`);
    return this.changes
      .transaction(async (m) => {
        const system = await this.repository.findSystem(dto.system, m);
        const dataset = system && (await this.repository.findDataset(m, system.id, dto.dataset));
        if (!dataset) {
          throw new FieldRuleViolated(
            `System "${dto.system}" has no dataset "${dto.dataset}"; declare it first`,
            [{ property: 'dataset', message: `unknown dataset ${dto.system}/${dto.dataset}` }],
          );
        }
        if (await this.repository.fieldExists(m, key)) throw alreadyExists();
        assertAnonymisation(dto.anonymisation, 'anonymisation');
        const saved = await this.repository.insertField(m, {
          key,
          datasetId: dataset.id,
          columnName: dto.column,
          dataCategory: dto.dataCategory,
          special: isSpecialCategory(dto.dataCategory),
          description: dto.description ?? null,
          anonymisation: dto.anonymisation ? { ...dto.anonymisation } : null,
        });
        await this.changes.record(
          m,
          actor,
          'field.created',
          { type: 'field', id: key },
          { after: fieldSnapshot(saved, []) },
        );
        return this.fieldView(m, saved.key);
      })
      .catch(rethrowUniqueAs(alreadyExists));
  }

  async updateField(key: string, dto: UpdateFieldDto, actor: Actor): Promise<PersonalFieldResponseDto> {
    return this.changes.transaction(async (m) => {
      const field = await this.lockField(m, key);
      const bindings = await this.repository.bindingsOf(m, field.id);
      const before = fieldSnapshot(field, bindings);
      if (dto.dataCategory !== undefined) {
        field.dataCategory = dto.dataCategory;
        field.special = isSpecialCategory(dto.dataCategory);
      }
      if (dto.description !== undefined) field.description = dto.description ?? null;
      if (dto.anonymisation !== undefined) {
        assertAnonymisation(dto.anonymisation, 'anonymisation');
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
      if (!isDeepStrictEqual(normaliseJson(before), normaliseJson(after))) {
        await this.repository.saveField(m, field);
        await this.changes.record(m, actor, 'field.updated', { type: 'field', id: key }, { before, after });
      }
      return this.fieldView(m, key);
    });
  }

  async deleteField(key: string, actor: Actor): Promise<void> {
    await this.changes.transaction(async (m) => {
      const field = await this.lockField(m, key);
      const bindings = await this.repository.bindingsOf(m, field.id);
      await this.repository.deleteField(m, field.id);
      await this.changes.record(
        m,
        actor,
        'field.deleted',
        { type: 'field', id: key },
        { before: fieldSnapshot(field, bindings) },
      );
    });
  }

  /** Replaces every binding of a field at once (the set is small and reviewed as a whole). */
  async replaceBindings(
    key: string,
    dto: ReplaceFieldBindingsDto,
    actor: Actor,
  ): Promise<PersonalFieldResponseDto> {
    return this.changes.transaction(async (m) => {
      const field = await this.lockField(m, key);
      const current = await this.repository.bindingsOf(m, field.id);
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
        this.repository.newBinding(m, {
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
      if (!isDeepStrictEqual(normaliseJson(before), normaliseJson(after))) {
        // The field is touched too, so its updatedAt says when its justification last changed.
        await this.repository.replaceBindings(m, field.id, next);
        await this.changes.record(
          m,
          actor,
          'field.bindings_replaced',
          { type: 'field', id: key },
          { before, after },
        );
      }
      return this.fieldView(m, key);
    });
  }

  /** A field with its bindings, effective retention and flags; unseen and unknown look the same. */
  async getField(key: string, ability: AppAbility): Promise<PersonalFieldResponseDto> {
    const view = fieldViewer(ability)(await this.fieldView(this.repository.manager, key));
    if (!view) throw new FieldNotFound(`No field with key "${key}"`);
    return view;
  }

  async listFields(query: ListFieldsQueryDto, ability: AppAbility): Promise<PersonalFieldPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor ? decodeCursor<[string]>(query.cursor, 1)[0] : undefined;
    const matches = (await this.readModel.listAllFields(query, ability)).filter(
      (f) => !after || f.key > after,
    );
    const items = matches.slice(0, limit);
    const nextCursor = matches.length > limit ? encodeCursor([items[items.length - 1].key]) : null;
    return { items, nextCursor };
  }

  /** GET /purposes/{code}/fields: the purpose must be visible to the caller. */
  async listFieldsOfPurpose(code: string, ability: AppAbility): Promise<PersonalFieldResponseDto[]> {
    await this.purposeQueries.get(code, ability);
    return this.readModel.listAllFields({ purpose: code }, ability);
  }

  private async fieldView(m: EntityManager, key: string): Promise<PersonalFieldResponseDto> {
    const field = await this.repository.findField(m, key);
    if (!field) throw new FieldNotFound(`No field with key "${key}"`);
    const dataset = await this.repository.findDatasetById(m, field.datasetId);
    const system = await this.repository.findSystemById(m, dataset.systemId);
    const bindings = await this.repository.bindingsOf(m, field.id);
    const purposes = bindablePurposes(await this.purposes.listAll(m));
    return toFieldResponse(field, {
      systemsById: new Map([[system.id, system]]),
      datasetsById: new Map([[dataset.id, dataset]]),
      fields: [field],
      bindingsByField: new Map([[field.id, bindings]]),
      purposes,
      // Said when the field is registered: the last scan knows whether its column is NOT NULL.
      notNullColumns: await this.repository.notNullColumnKeys(m),
    });
  }

  private async lockField(m: EntityManager, key: string): Promise<PersonalFieldEntity> {
    const field = await this.repository.lockField(m, key);
    if (!field) throw new FieldNotFound(`No field with key "${key}"`);
    return field;
  }
}

function assertAnonymisation(
  a: { strategy: string; value?: string } | null | undefined,
  property: string,
): void {
  const problem = anonymisationProblem(a as Parameters<typeof anonymisationProblem>[0]);
  if (problem) throw new FieldRuleViolated(`${property}: ${problem}`, [{ property, message: problem }]);
}
