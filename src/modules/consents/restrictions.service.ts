import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../database/transaction';
import { AppAbility, asSubject } from '../../policies/ability.factory';
import { Action } from '../../policies/action.enum';
import type { Actor } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import { PurposesService } from '../purposes/purposes.service';
import { RestrictionKind } from './consent.model';
import {
  RestrictionAlreadyLifted,
  RestrictionNotFound,
  RestrictionPurposeNotAuthorised,
  RestrictionPurposesRequired,
  RestrictionPurposeUnknown,
} from './consents.errors';
import type {
  CreateRestrictionDto,
  LiftRestrictionDto,
  RestrictionResponseDto,
  SubjectRestrictionsDto,
} from './dto/restriction.dto';
import type { SubjectRestrictionEntity } from './entities/subject-restriction.entity';
import { RestrictionsRepository } from './restrictions.repository';
import { SubjectStateService } from './subject-state.service';

/**
 * Restriction (art. 18) and objection (art. 21): while active, the access check denies every
 * use of the subject's data for the purposes covered (and their sub-purposes), or for all.
 */
@Injectable()
export class RestrictionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: RestrictionsRepository,
    private readonly purposes: PurposesService,
    private readonly audit: AuditService,
    private readonly subjectState: SubjectStateService,
  ) {}

  async set(
    subjectId: string,
    dto: CreateRestrictionDto,
    actor: Actor,
    ability: AppAbility,
  ): Promise<RestrictionResponseDto> {
    assertMayRestrict(dto, ability);
    const saved = await inTransaction(this.dataSource, async (m) => {
      if (dto.purposes) {
        const known = new Set((await this.purposes.listAll(m)).map((p) => p.code));
        const unknown = dto.purposes.filter((c) => !known.has(c));
        if (unknown.length) {
          throw new RestrictionPurposeUnknown(`Unknown purposes: ${unknown.join(', ')}`, { unknown });
        }
      }
      const restriction = await this.repository.insert(m, {
        subjectId,
        kind: dto.kind ?? RestrictionKind.Restriction,
        purposeCodes: dto.purposes ? [...dto.purposes].sort() : null,
        reason: dto.reason,
        setAt: new Date(),
        setBy: actor.id,
      });
      await this.recordChange(m, 'restriction.set', actor, restriction, restriction.reason);
      return restriction;
    });
    // Holds on every instance before it is acknowledged (lifting, below, may arrive late).
    await this.subjectState.changed(subjectId, true);
    return toResponse(saved);
  }

  async lift(
    subjectId: string,
    restrictionId: string,
    dto: LiftRestrictionDto,
    actor: Actor,
  ): Promise<RestrictionResponseDto> {
    const saved = await inTransaction(this.dataSource, async (m) => {
      const restriction = await this.repository.findForUpdate(m, subjectId, restrictionId);
      if (!restriction) throw new RestrictionNotFound(`No restriction ${restrictionId} for this subject`);
      if (restriction.liftedAt) throw new RestrictionAlreadyLifted('This restriction was already lifted');
      restriction.liftedAt = new Date();
      restriction.liftedBy = actor.id;
      restriction.liftReason = dto.reason;
      await this.repository.save(m, restriction);
      await this.recordChange(m, 'restriction.lifted', actor, restriction, dto.reason);
      return restriction;
    });
    await this.subjectState.changed(subjectId, false);
    return toResponse(saved);
  }

  async forSubject(subjectId: string): Promise<SubjectRestrictionsDto> {
    const rows = await this.repository.listForSubject(subjectId);
    return { subjectId, items: rows.map(toResponse) };
  }

  /** The change's audit event and the other instances' notification, in the change's transaction. */
  private async recordChange(
    m: EntityManager,
    type: 'restriction.set' | 'restriction.lifted',
    actor: Actor,
    restriction: SubjectRestrictionEntity,
    reason: string,
  ): Promise<void> {
    await this.audit.recordInTransaction(m, {
      type,
      actor,
      subjectId: restriction.subjectId,
      target: { type: 'restriction', id: restriction.id },
      payload: { kind: restriction.kind, purposes: restriction.purposeCodes, reason },
    });
    await this.subjectState.notifyChanged(m, restriction.subjectId);
  }
}

/**
 * Record-level rule, before anything is read: each purpose named must be one the caller may
 * restrict (an application: its authorised purposes), and omitting `purposes` (every purpose,
 * which would block every other application too) needs a rule without that limit (a DPO). The
 * refusal depends only on the request, so it tells nothing about which purposes exist.
 */
function assertMayRestrict(dto: CreateRestrictionDto, ability: AppAbility): void {
  const may = (purpose: string | null) => ability.can(Action.Create, asSubject('Restriction', { purpose }));
  if (!dto.purposes) {
    if (!may(null)) {
      throw new RestrictionPurposesRequired(
        'An application must name the purposes it restricts (purposes); only a DPO may restrict every purpose',
      );
    }
    return;
  }
  const notAuthorised = dto.purposes.filter((code) => !may(code));
  if (notAuthorised.length) {
    throw new RestrictionPurposeNotAuthorised(
      `The caller is not authorised for purposes: ${notAuthorised.join(', ')}`,
      { purposes: notAuthorised },
    );
  }
}

function toResponse(r: SubjectRestrictionEntity): RestrictionResponseDto {
  return {
    id: r.id,
    subjectId: r.subjectId,
    kind: r.kind,
    purposes: r.purposeCodes,
    reason: r.reason,
    setAt: r.setAt,
    setBy: r.setBy,
    liftedAt: r.liftedAt,
    liftedBy: r.liftedBy,
    liftReason: r.liftReason,
    active: r.liftedAt === null,
  };
}
