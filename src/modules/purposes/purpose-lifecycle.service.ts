import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../../policies/principal';
import type { PurposeEntity } from './entities/purpose.entity';
import { assertRules, parentStatus, PurposeRegister } from './purpose-hierarchy.rules';
import { PurposeHistoryWriter } from './purpose-history.writer';
import { PurposeRegisterReader } from './purpose-register.reader';
import { declarationOf, PurposeView, resolveWithin, viewWithin } from './purpose.mapper';
import { checkActivation, PurposeStatus, transitionRefusal } from './purpose.model';
import { PurposeHasActiveChildren, PurposeNotDeletable, PurposeTransitionRefused } from './purposes.errors';
import { PurposesRepository } from './purposes.repository';

/**
 * A purpose's status, inside the caller's transaction: a draft is activated once its declaration
 * is complete, an active purpose retired once no sub-purpose is active (it stays readable), and a
 * draft that was never active may be deleted (its history is kept).
 */
@Injectable()
export class PurposeLifecycleService {
  constructor(
    private readonly repository: PurposesRepository,
    private readonly register: PurposeRegisterReader,
    private readonly history: PurposeHistoryWriter,
  ) {}

  async activateWithin(m: EntityManager, code: string, actor: Actor): Promise<PurposeView> {
    return this.transitionWithin(m, code, 'activate', actor, (purpose, register) => {
      assertRules(
        checkActivation(resolveWithin(purpose, register).effective, parentStatus(purpose, register)),
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

  /** Only a draft that was never active, with no sub-purposes, may be deleted (history is kept). */
  async deleteDraftWithin(m: EntityManager, code: string, actor: Actor): Promise<void> {
    const purpose = await this.register.lock(m, code);
    if (purpose.status !== PurposeStatus.Draft || purpose.activatedAt) {
      throw new PurposeNotDeletable(
        `Purpose "${code}" was active once; retire it instead (it must stay readable)`,
      );
    }
    const children = await this.repository.countChildren(m, code);
    if (children > 0)
      throw new PurposeNotDeletable(`Purpose "${code}" has sub-purposes; delete or move them first`);
    // History outlives the draft: a last version says it was discarded, by whom and when.
    await this.history.insertVersion(m, purpose, purpose.version + 1, 'deleted', [], actor);
    await this.repository.delete(m, purpose.id);
    await this.history.recordDeleted(m, purpose, actor);
  }

  private async transitionWithin(
    m: EntityManager,
    code: string,
    transition: 'activate' | 'retire',
    actor: Actor,
    apply: (purpose: PurposeEntity, register: PurposeRegister) => void,
  ): Promise<PurposeView> {
    const purpose = await this.register.lock(m, code);
    const refusal = transitionRefusal(purpose.status, transition);
    if (refusal) throw new PurposeTransitionRefused(`Cannot ${transition} "${code}": ${refusal}`);
    const register = await this.register.load(m);
    register.set(purpose.code, purpose);
    const before = declarationOf(purpose);
    apply(purpose, register);
    purpose.version += 1;
    purpose.updatedBy = actor.id;
    const saved = await this.repository.save(m, purpose);
    await this.history.record(
      m,
      saved,
      transition === 'activate' ? 'activated' : 'retired',
      ['status'],
      actor,
      before,
    );
    return viewWithin(saved, register);
  }
}
