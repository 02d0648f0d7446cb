import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { rethrowUniqueAs } from '../../common/errors/unique-violation';
import type { Actor } from '../../policies/principal';
import { RegisterRevisionService } from '../register-revision/register-revision.service';
import type { CreatePurposeDto } from './dto/create-purpose.dto';
import type { UpdatePurposeDto } from './dto/update-purpose.dto';
import { PurposeDeclarationsService, UpdateWithinOptions } from './purpose-declarations.service';
import { PurposeLifecycleService } from './purpose-lifecycle.service';
import { PurposeRegisterReader } from './purpose-register.reader';
import type { PurposeView } from './purpose.mapper';
import { PurposeAlreadyExists } from './purposes.errors';

export type { PurposeView } from './purpose.mapper';
export type { UpdateWithinOptions } from './purpose-declarations.service';

/**
 * The purpose register as other modules (and the controller) change and read it: drafting,
 * editing, activating and retiring purposes, each change in its own register transaction, or
 * the `…Within(m)` forms that the register import composes in one all-or-nothing transaction.
 * The rules live in PurposeDeclarationsService and PurposeLifecycleService; each change writes a
 * new version in the register's own history and an audit event (PurposeHistoryWriter), in the
 * same transaction as the change itself.
 */
@Injectable()
export class PurposesService {
  constructor(
    private readonly registerRevision: RegisterRevisionService,
    private readonly register: PurposeRegisterReader,
    private readonly declarations: PurposeDeclarationsService,
    private readonly lifecycle: PurposeLifecycleService,
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
    await this.registerRevision.transaction((m) => this.lifecycle.deleteDraftWithin(m, code, actor));
  }

  /** Effective declarations of every purpose (the register is small: hundreds, not millions). */
  listAll(manager?: EntityManager): Promise<PurposeView[]> {
    return this.register.listAll(manager);
  }

  // ------------------------------------------------------------------------------------------
  // The rules themselves, inside a caller's transaction: the methods above wrap them in their own
  // transaction; the register import runs many of them as one all-or-nothing unit.

  createWithin(m: EntityManager, request: CreatePurposeDto, actor: Actor): Promise<PurposeView> {
    return this.declarations.createWithin(m, request, actor);
  }

  updateWithin(
    m: EntityManager,
    code: string,
    dto: UpdatePurposeDto,
    actor: Actor,
    expectedVersion?: number,
    options: UpdateWithinOptions = {},
  ): Promise<PurposeView> {
    return this.declarations.updateWithin(m, code, dto, actor, expectedVersion, options);
  }

  activateWithin(m: EntityManager, code: string, actor: Actor): Promise<PurposeView> {
    return this.lifecycle.activateWithin(m, code, actor);
  }

  retireWithin(m: EntityManager, code: string, actor: Actor): Promise<PurposeView> {
    return this.lifecycle.retireWithin(m, code, actor);
  }
}
