import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../../policies/principal';
import { ProcessorsService } from '../processors/processors.service';
import type { CreatePurposeDto } from './dto/create-purpose.dto';
import type { UpdatePurposeDto } from './dto/update-purpose.dto';
import type { PurposeEntity } from './entities/purpose.entity';
import { PurposeFieldBindings } from './purpose-field-bindings';
import {
  assertDescendantsStayValid,
  assertRules,
  checkParent,
  statusRuleViolations,
  subtreeConditions,
} from './purpose-hierarchy.rules';
import { PurposeHistoryWriter } from './purpose-history.writer';
import { draftFromPreset } from './purpose-preset';
import { PurposeRegisterReader } from './purpose-register.reader';
import {
  applyDeclaration,
  changedFields,
  declarationOf,
  presentKeys,
  PurposeView,
  resolveWithin,
  viewWithin,
} from './purpose.mapper';
import { checkDeclaration, PurposeStatus } from './purpose.model';
import {
  PurposeAlreadyExists,
  PurposeConditionInUse,
  PurposeParentLocked,
  PurposeRetired,
} from './purposes.errors';
import { PurposesRepository } from './purposes.repository';

/** Options of updateWithin for callers that check the same rules themselves, on a whole document. */
export interface UpdateWithinOptions {
  /**
   * The register import validates the final bindings against the document's purposes as a whole
   * (and may unbind the special-category fields in the same import): the per-purpose check of the
   * current bindings would refuse a change the document makes consistent.
   */
  bindingsCheckedByCaller?: boolean;
}

/**
 * A purpose's declaration: drafting a new purpose (from a preset or not) and editing one, inside
 * the caller's transaction. Status changes are PurposeLifecycleService's.
 */
@Injectable()
export class PurposeDeclarationsService {
  constructor(
    private readonly repository: PurposesRepository,
    private readonly register: PurposeRegisterReader,
    private readonly history: PurposeHistoryWriter,
    private readonly fieldBindings: PurposeFieldBindings,
    private readonly processors: ProcessorsService,
  ) {}

  async createWithin(m: EntityManager, request: CreatePurposeDto, actor: Actor): Promise<PurposeView> {
    const dto = draftFromPreset(request);
    const register = await this.register.load(m);
    if (register.has(dto.code))
      throw new PurposeAlreadyExists(`A purpose with code "${dto.code}" already exists`);
    const purpose = this.repository.newPurpose(m, {
      code: dto.code,
      status: PurposeStatus.Draft,
      version: 1,
      activatedAt: null,
      retiredAt: null,
      presetCode: dto.presetCode ?? null,
      createdBy: actor.id,
      updatedBy: actor.id,
    });
    applyDeclaration(purpose, dto, true);
    await this.assertProcessorsKnown(m, purpose);
    if (purpose.parentCode) checkParent(purpose, register);
    register.set(purpose.code, purpose);
    assertRules(checkDeclaration(resolveWithin(purpose, register).effective));
    const saved = await this.repository.save(m, purpose);
    await this.history.record(m, saved, 'created', presentKeys(dto), actor, null);
    return viewWithin(saved, register);
  }

  async updateWithin(
    m: EntityManager,
    code: string,
    dto: UpdatePurposeDto,
    actor: Actor,
    expectedVersion?: number,
    options: UpdateWithinOptions = {},
  ): Promise<PurposeView> {
    const purpose = await this.register.lock(m, code, expectedVersion);
    if (purpose.status === PurposeStatus.Retired) {
      throw new PurposeRetired(`Purpose "${code}" is retired and can no longer be changed`);
    }
    const before = declarationOf(purpose);
    const register = await this.register.load(m);
    const conditionsBefore = subtreeConditions(code, register);
    const parentChanges = 'parentCode' in dto && (dto.parentCode ?? null) !== purpose.parentCode;
    if (parentChanges && purpose.status !== PurposeStatus.Draft) {
      throw new PurposeParentLocked('The parent of a purpose can only change while it is a draft');
    }
    applyDeclaration(purpose, dto, false);
    register.set(purpose.code, purpose);
    // Only a new parent is checked: a draft left under a parent retired since can still be edited
    // (and moved elsewhere); activating it is what a retired parent refuses.
    if (parentChanges && purpose.parentCode) checkParent(purpose, register);
    const changed = changedFields(before, declarationOf(purpose));
    if (changed.length === 0) return viewWithin(purpose, register);
    if (changed.includes('recipientProcessors')) await this.assertProcessorsKnown(m, purpose);
    assertRules(statusRuleViolations(purpose, register));
    assertDescendantsStayValid(purpose, register);
    if (!options.bindingsCheckedByCaller) {
      await this.assertSpecialFieldsKeepCondition(m, conditionsBefore, subtreeConditions(code, register));
    }
    purpose.version += 1;
    purpose.updatedBy = actor.id;
    const saved = await this.repository.save(m, purpose);
    await this.history.record(m, saved, 'updated', changed, actor, before);
    return viewWithin(saved, register);
  }

  /** A purpose's recipients may name only processors of the processor register. */
  private async assertProcessorsKnown(m: EntityManager, purpose: PurposeEntity): Promise<void> {
    if (purpose.recipientProcessors?.length) {
      await this.processors.assertKnown(m, purpose.recipientProcessors, 'recipientProcessors');
    }
  }

  /**
   * A special-category field may only be bound to a purpose with an effective art. 9(2) condition:
   * a change that takes the condition away (clearing it, or a parent's that sub-purposes inherit)
   * is refused while such fields are bound, naming them (unbind or re-bind them first).
   */
  private async assertSpecialFieldsKeepCondition(
    m: EntityManager,
    before: Map<string, string | null>,
    after: Map<string, string | null>,
  ): Promise<void> {
    const losing = [...after].filter(([c, condition]) => !condition && before.get(c)).map(([c]) => c);
    const bound = await this.fieldBindings.specialFieldsBoundTo(m, losing);
    if (bound.length === 0) return;
    const details = bound.map((b) => ({
      property: 'specialCategoryCondition',
      purposeCode: b.purposeCode,
      fieldKey: b.fieldKey,
      message: `special-category field "${b.fieldKey}" is bound to purpose "${b.purposeCode}", which would lose its art. 9(2) condition`,
    }));
    throw new PurposeConditionInUse(
      `The change would leave special-category fields bound to a purpose without an art. 9(2) condition ` +
        `(specialCategoryCondition): ${bound.map((b) => `${b.fieldKey} (${b.purposeCode})`).join(', ')}; ` +
        `unbind them first`,
      details,
    );
  }
}
