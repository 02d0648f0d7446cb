import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { currentRequestId } from '../../common/request-context';
import type { Actor } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import { RegisterRevisionService } from '../register-revision/register-revision.service';
import type { PurposeEntity } from './entities/purpose.entity';
import type { PurposeChange } from './entities/purpose-version.entity';
import { declarationOf } from './purpose.mapper';
import { PurposesRepository } from './purposes.repository';

type Snapshot = ReturnType<typeof declarationOf>;

/**
 * What every change to the register leaves behind, in the transaction of the change itself: a
 * new version in the register's own history, a bump of the register revision (which tells the
 * compiled access policy to rebuild) and an audit event. The API reads the history through
 * PurposeQueriesService.
 */
@Injectable()
export class PurposeHistoryWriter {
  constructor(
    private readonly repository: PurposesRepository,
    private readonly audit: AuditService,
    private readonly registerRevision: RegisterRevisionService,
  ) {}

  /** A purpose saved at its new version: its history row, the revision bump and the audit event. */
  async record(
    m: EntityManager,
    purpose: PurposeEntity,
    change: PurposeChange,
    changedFields: string[],
    actor: Actor,
    before: Snapshot | null,
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

  /**
   * A deleted draft: its last version (written by the caller with insertVersion while the row
   * still exists) says it was discarded; this bumps the revision and records the audit event.
   */
  async recordDeleted(m: EntityManager, purpose: PurposeEntity, actor: Actor): Promise<void> {
    await this.registerRevision.bump(m);
    await this.audit.recordInTransaction(m, {
      type: 'purpose.deleted',
      actor,
      target: { type: 'purpose', id: purpose.code },
      purposeCode: purpose.code,
      payload: { before: declarationOf(purpose), version: purpose.version },
    });
  }

  /** One row of the register's own history: the purpose as it stands, as `version`. */
  async insertVersion(
    m: EntityManager,
    purpose: PurposeEntity,
    version: number,
    change: PurposeChange,
    changedFields: string[],
    actor: Actor,
  ): Promise<{ snapshot: Snapshot; requestId: string | null }> {
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
}
