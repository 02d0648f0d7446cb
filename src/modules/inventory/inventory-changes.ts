import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import { RegisterRevisionService } from '../register-revision/register-revision.service';

/**
 * How every inventory write commits: in a register transaction (the register write lock first),
 * with its audit record and a register revision bump in that same transaction, so a change and
 * its record commit or roll back together and every instance recompiles its access policy.
 */
@Injectable()
export class InventoryChanges {
  constructor(
    private readonly audit: AuditService,
    private readonly registerRevision: RegisterRevisionService,
  ) {}

  /** Runs `work` in a transaction that holds the register write lock. */
  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.registerRevision.transaction(work);
  }

  /** Bumps the register revision and appends the audit event, in the caller's transaction. */
  async record(
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
