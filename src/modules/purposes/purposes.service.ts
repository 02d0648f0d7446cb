// Over ~400 lines on purpose: one concept, the purpose lifecycle, whose rules (parent and
// descendant checks, inheritance, special-category bindings, the version history) are shared by
// every write, each in a public form and a `…Within(m)` form that the register import composes in
// one transaction. Splitting the writes apart would scatter those shared private rules; the SQL
// is PurposesRepository's, the API's reads (get, list, history) are PurposeQueriesService's.
import { Injectable } from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';
import type { EntityManager } from 'typeorm';
import { rethrowUniqueAs } from '../../common/errors/unique-violation';
import { normaliseJson } from '../../common/json/normalise-json';
import { currentRequestId } from '../../common/request-context';
import type { Actor } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import { ProcessorsService } from '../processors/processors.service';
import { RegisterRevisionService } from '../register-revision/register-revision.service';
import type { CreatePurposeDto } from './dto/create-purpose.dto';
import type { PurposeDeclarationDto } from './dto/purpose-declaration.dto';
import type { PurposeResponseDto } from './dto/purpose.response.dto';
import type { UpdatePurposeDto } from './dto/update-purpose.dto';
import type { PurposeEntity } from './entities/purpose.entity';
import type { PurposeChange } from './entities/purpose-version.entity';
import { PurposesRepository } from './purposes.repository';
import { PurposeFieldBindings } from './purpose-field-bindings';
import { draftFromPreset } from './purpose-preset';
import { declarationOf, resolveWithin, toPurposeResponse } from './purpose.mapper';
import {
  checkActivation,
  checkDeclaration,
  INHERITABLE_FIELDS,
  InheritableField,
  PurposeStatus,
  RuleViolation,
  transitionRefusal,
} from './purpose.model';
import {
  ParentPurposeNotFound,
  PurposeAlreadyExists,
  PurposeConditionInUse,
  PurposeHasActiveChildren,
  PurposeHierarchyCycle,
  PurposeNotDeletable,
  PurposeNotFound,
  PurposeParentLocked,
  PurposeRetired,
  PurposeRuleViolated,
  PurposeTransitionRefused,
  PurposeVersionMismatch,
} from './purposes.errors';

/** What other modules read of a purpose: its effective declaration. */
export type PurposeView = PurposeResponseDto;

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
 * Properties of the update DTO that map 1:1 to columns: the inheritable declaration (one list,
 * INHERITABLE_FIELDS) except retention, which is two columns, plus what only a purpose itself has.
 */
const SIMPLE_PROPERTIES = [
  'name',
  'description',
  'parentCode',
  ...INHERITABLE_FIELDS.filter((k): k is Exclude<InheritableField, 'retention'> => k !== 'retention'),
] as const;

/**
 * The purpose register: drafting, editing, activating and retiring purposes. Each change
 * writes a new version in the register's own history and an audit event, in the same
 * transaction as the change itself.
 */
@Injectable()
export class PurposesService {
  constructor(
    private readonly repository: PurposesRepository,
    private readonly audit: AuditService,
    private readonly registerRevision: RegisterRevisionService,
    private readonly fieldBindings: PurposeFieldBindings,
    private readonly processors: ProcessorsService,
  ) {}

  async create(dto: CreatePurposeDto, actor: Actor): Promise<PurposeView> {
    return this.registerRevision
      .transaction((m) => this.createWithin(m, dto, actor))
      .catch(
        rethrowUniqueAs(() => new PurposeAlreadyExists(`A purpose with code "${dto.code}" already exists`)),
      );
  }

  async update(
    code: string,
    dto: UpdatePurposeDto,
    actor: Actor,
    expectedVersion?: number,
  ): Promise<PurposeView> {
    return this.registerRevision.transaction((m) => this.updateWithin(m, code, dto, actor, expectedVersion));
  }

  async activate(code: string, actor: Actor): Promise<PurposeView> {
    return this.registerRevision.transaction((m) => this.activateWithin(m, code, actor));
  }

  async retire(code: string, actor: Actor): Promise<PurposeView> {
    return this.registerRevision.transaction((m) => this.retireWithin(m, code, actor));
  }

  /** Only a draft that was never active, with no sub-purposes, may be deleted (history is kept). */
  async deleteDraft(code: string, actor: Actor): Promise<void> {
    await this.registerRevision.transaction(async (m) => {
      const purpose = await this.lockPurpose(m, code);
      if (purpose.status !== PurposeStatus.Draft || purpose.activatedAt) {
        throw new PurposeNotDeletable(
          `Purpose "${code}" was active once; retire it instead (it must stay readable)`,
        );
      }
      const children = await this.repository.countChildren(m, code);
      if (children > 0)
        throw new PurposeNotDeletable(`Purpose "${code}" has sub-purposes; delete or move them first`);
      // History outlives the draft: a last version says it was discarded, by whom and when.
      await this.insertVersion(m, purpose, purpose.version + 1, 'deleted', [], actor);
      await this.repository.delete(m, purpose.id);
      await this.registerRevision.bump(m);
      await this.audit.recordInTransaction(m, {
        type: 'purpose.deleted',
        actor,
        target: { type: 'purpose', id: code },
        purposeCode: code,
        payload: { before: declarationOf(purpose), version: purpose.version },
      });
    });
  }

  /** Effective declarations of every purpose (the register is small: hundreds, not millions). */
  async listAll(manager: EntityManager = this.repository.manager): Promise<PurposeView[]> {
    const register = await this.loadRegister(manager);
    return [...register.values()].sort(byCode).map((p) => this.view(p, register));
  }

  // ------------------------------------------------------------------------------------------
  // The rules themselves, inside a caller's transaction: the methods above wrap them in their own
  // transaction; the register import runs many of them as one all-or-nothing unit.

  async createWithin(m: EntityManager, request: CreatePurposeDto, actor: Actor): Promise<PurposeView> {
    const dto = draftFromPreset(request);
    const register = await this.loadRegister(m);
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
    if (purpose.parentCode) this.checkParent(purpose, register);
    register.set(purpose.code, purpose);
    this.assertRules(checkDeclaration(resolveWithin(purpose, register).effective));
    const saved = await this.repository.save(m, purpose);
    await this.recordVersion(m, saved, 'created', presentKeys(dto), actor, null);
    return this.view(saved, register);
  }

  async updateWithin(
    m: EntityManager,
    code: string,
    dto: UpdatePurposeDto,
    actor: Actor,
    expectedVersion?: number,
    options: UpdateWithinOptions = {},
  ): Promise<PurposeView> {
    const purpose = await this.lockPurpose(m, code, expectedVersion);
    if (purpose.status === PurposeStatus.Retired) {
      throw new PurposeRetired(`Purpose "${code}" is retired and can no longer be changed`);
    }
    const before = declarationOf(purpose);
    const register = await this.loadRegister(m);
    const conditionsBefore = subtreeConditions(code, register);
    const parentChanges = 'parentCode' in dto && (dto.parentCode ?? null) !== purpose.parentCode;
    if (parentChanges && purpose.status !== PurposeStatus.Draft) {
      throw new PurposeParentLocked('The parent of a purpose can only change while it is a draft');
    }
    applyDeclaration(purpose, dto, false);
    register.set(purpose.code, purpose);
    // Only a new parent is checked: a draft left under a parent retired since can still be edited
    // (and moved elsewhere); activating it is what a retired parent refuses.
    if (parentChanges && purpose.parentCode) this.checkParent(purpose, register);
    const changed = changedFields(before, declarationOf(purpose));
    if (changed.length === 0) return this.view(purpose, register);
    if (changed.includes('recipientProcessors')) await this.assertProcessorsKnown(m, purpose);
    const effective = resolveWithin(purpose, register).effective;
    this.assertRules(
      purpose.status === PurposeStatus.Active
        ? checkActivation(effective, this.parentStatus(purpose, register))
        : checkDeclaration(effective),
    );
    this.assertDescendantsStayValid(purpose, register);
    if (!options.bindingsCheckedByCaller) {
      await this.assertSpecialFieldsKeepCondition(m, conditionsBefore, subtreeConditions(code, register));
    }
    purpose.version += 1;
    purpose.updatedBy = actor.id;
    const saved = await this.repository.save(m, purpose);
    await this.recordVersion(m, saved, 'updated', changed, actor, before);
    return this.view(saved, register);
  }

  async activateWithin(m: EntityManager, code: string, actor: Actor): Promise<PurposeView> {
    return this.transitionWithin(m, code, 'activate', actor, (purpose, register) => {
      this.assertRules(
        checkActivation(resolveWithin(purpose, register).effective, this.parentStatus(purpose, register)),
      );
      purpose.status = PurposeStatus.Active;
      purpose.activatedAt = new Date();
    });
  }

  async retireWithin(m: EntityManager, code: string, actor: Actor): Promise<PurposeView> {
    return this.transitionWithin(m, code, 'retire', actor, (purpose, register) => {
      const activeChildren = [...register.values()].filter(
        (p) => p.parentCode === purpose.code && p.status === PurposeStatus.Active,
      );
      if (activeChildren.length) {
        throw new PurposeHasActiveChildren(
          `Retire the active sub-purposes first: ${activeChildren.map((c) => c.code).join(', ')}`,
          { activeChildren: activeChildren.map((c) => c.code) },
        );
      }
      purpose.status = PurposeStatus.Retired;
      purpose.retiredAt = new Date();
    });
  }

  /** A purpose's recipients may name only processors of the processor register. */
  private async assertProcessorsKnown(m: EntityManager, purpose: PurposeEntity): Promise<void> {
    if (purpose.recipientProcessors?.length) {
      await this.processors.assertKnown(m, purpose.recipientProcessors, 'recipientProcessors');
    }
  }

  private async transitionWithin(
    m: EntityManager,
    code: string,
    transition: 'activate' | 'retire',
    actor: Actor,
    apply: (purpose: PurposeEntity, register: Map<string, PurposeEntity>) => void,
  ): Promise<PurposeView> {
    const purpose = await this.lockPurpose(m, code);
    const refusal = transitionRefusal(purpose.status, transition);
    if (refusal) throw new PurposeTransitionRefused(`Cannot ${transition} "${code}": ${refusal}`);
    const register = await this.loadRegister(m);
    register.set(purpose.code, purpose);
    const before = declarationOf(purpose);
    apply(purpose, register);
    purpose.version += 1;
    purpose.updatedBy = actor.id;
    const saved = await this.repository.save(m, purpose);
    await this.recordVersion(
      m,
      saved,
      transition === 'activate' ? 'activated' : 'retired',
      ['status'],
      actor,
      before,
    );
    return this.view(saved, register);
  }

  private async lockPurpose(
    m: EntityManager,
    code: string,
    expectedVersion?: number,
  ): Promise<PurposeEntity> {
    const purpose = await this.repository.lock(m, code);
    if (!purpose) throw new PurposeNotFound(`No purpose with code "${code}"`);
    if (expectedVersion !== undefined && purpose.version !== expectedVersion) {
      throw new PurposeVersionMismatch(
        `Purpose "${code}" is at version ${purpose.version}, not ${expectedVersion}; reload it and retry`,
        { currentVersion: purpose.version },
      );
    }
    return purpose;
  }

  private async loadRegister(m: EntityManager): Promise<Map<string, PurposeEntity>> {
    const all = await this.repository.findAll(m);
    return new Map(all.map((p) => [p.code, p]));
  }

  private checkParent(purpose: PurposeEntity, register: Map<string, PurposeEntity>): void {
    const parent = register.get(purpose.parentCode!);
    if (!parent) throw new ParentPurposeNotFound(`Parent purpose "${purpose.parentCode}" does not exist`);
    if (parent.status === PurposeStatus.Retired) {
      throw new ParentPurposeNotFound(`Parent purpose "${purpose.parentCode}" is retired`);
    }
    const seen = new Set<string>([purpose.code]);
    for (
      let cur: PurposeEntity | undefined = parent;
      cur;
      cur = cur.parentCode ? register.get(cur.parentCode) : undefined
    ) {
      if (seen.has(cur.code)) {
        throw new PurposeHierarchyCycle(
          `Making "${purpose.parentCode}" the parent of "${purpose.code}" creates a cycle`,
        );
      }
      seen.add(cur.code);
    }
  }

  private parentStatus(purpose: PurposeEntity, register: Map<string, PurposeEntity>): PurposeStatus | null {
    return purpose.parentCode ? (register.get(purpose.parentCode)?.status ?? null) : null;
  }

  /** A change to a parent must not break what its descendants inherit. */
  private assertDescendantsStayValid(purpose: PurposeEntity, register: Map<string, PurposeEntity>): void {
    const problems: RuleViolation[] = [];
    const visit = (code: string) => {
      for (const child of register.values()) {
        if (child.parentCode !== code) continue;
        const effective = resolveWithin(child, register).effective;
        const childProblems =
          child.status === PurposeStatus.Active
            ? checkActivation(effective, this.parentStatus(child, register))
            : checkDeclaration(effective);
        problems.push(...childProblems.map((p) => ({ ...p, property: `${child.code}: ${p.property}` })));
        visit(child.code);
      }
    };
    visit(purpose.code);
    this.assertRules(problems, 'This change would break the sub-purposes that inherit from it');
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

  private assertRules(problems: RuleViolation[], lead = 'The purpose breaks a register rule'): void {
    if (problems.length === 0) return;
    throw new PurposeRuleViolated(`${lead}: ${problems.map((p) => p.message).join('; ')}`, problems);
  }

  private async recordVersion(
    m: EntityManager,
    purpose: PurposeEntity,
    change: PurposeChange,
    changedFields: string[],
    actor: Actor,
    before: ReturnType<typeof declarationOf> | null,
  ): Promise<void> {
    await this.registerRevision.bump(m);
    const { snapshot, requestId } = await this.insertVersion(
      m,
      purpose,
      purpose.version,
      change,
      changedFields,
      actor,
    );
    await this.audit.recordInTransaction(m, {
      type: `purpose.${change}`,
      actor,
      target: { type: 'purpose', id: purpose.code },
      purposeCode: purpose.code,
      payload: {
        version: purpose.version,
        changedFields: [...changedFields].sort(),
        before,
        after: snapshot,
      },
      requestId: requestId ?? undefined,
    });
  }

  /** One row of the register's own history: the purpose as it stands, as `version`. */
  private async insertVersion(
    m: EntityManager,
    purpose: PurposeEntity,
    version: number,
    change: PurposeChange,
    changedFields: string[],
    actor: Actor,
  ): Promise<{ snapshot: ReturnType<typeof declarationOf>; requestId: string | null }> {
    // The preset a purpose came from is part of its history (not of its declaration: never edited).
    const snapshot = {
      ...declarationOf(purpose),
      ...(purpose.presetCode ? { presetCode: purpose.presetCode } : {}),
    };
    const requestId = currentRequestId() ?? null;
    await this.repository.insertVersion(m, {
      purposeId: purpose.id,
      code: purpose.code,
      version,
      change,
      changedFields: [...changedFields].sort(),
      snapshot,
      actor,
      changedAt: new Date(),
      requestId,
    });
    return { snapshot, requestId };
  }

  private view(purpose: PurposeEntity, register: Map<string, PurposeEntity>): PurposeView {
    return toPurposeResponse(purpose, resolveWithin(purpose, register));
  }
}

/** The effective art. 9(2) condition of a purpose and of each of its descendants. */
function subtreeConditions(code: string, register: Map<string, PurposeEntity>): Map<string, string | null> {
  const out = new Map<string, string | null>();
  const visit = (c: string) => {
    const p = register.get(c);
    if (!p || out.has(c)) return;
    out.set(c, resolveWithin(p, register).effective.specialCategoryCondition ?? null);
    for (const child of register.values()) if (child.parentCode === c) visit(child.code);
  };
  visit(code);
  return out;
}

function applyDeclaration(purpose: PurposeEntity, dto: PurposeDeclarationDto, creating: boolean): void {
  for (const key of SIMPLE_PROPERTIES) {
    if (key in dto && dto[key] !== undefined) {
      (purpose as unknown as Record<string, unknown>)[key] = dto[key] ?? null;
    } else if (creating) {
      (purpose as unknown as Record<string, unknown>)[key] ??= null;
    }
  }
  if ('retention' in dto && dto.retention !== undefined) {
    purpose.retentionDuration = dto.retention?.duration ?? null;
    purpose.retentionTrigger = dto.retention?.trigger ?? null;
    purpose.retentionArchive = dto.retention?.archive
      ? { duration: dto.retention.archive.duration, legalReason: dto.retention.archive.legalReason ?? null }
      : null;
  } else if (creating) {
    purpose.retentionDuration = null;
    purpose.retentionTrigger = null;
    purpose.retentionArchive = null;
  }
}

function presentKeys(dto: object): string[] {
  return Object.entries(dto)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
}

function changedFields(before: object, after: object): string[] {
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  return Object.keys(a).filter((k) => !isDeepStrictEqual(normaliseJson(b[k]), normaliseJson(a[k])));
}

function byCode(a: { code: string }, b: { code: string }): number {
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}
