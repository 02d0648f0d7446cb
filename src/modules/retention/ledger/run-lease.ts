import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../../../config/app-config';
import { RetentionLeaseLost } from '../retention.errors';
import { RetentionRunRepository } from './retention-run.repository';

/**
 * This process's lease on the runs it executes (RETENTION_LEASE_MS): two workers never execute
 * a run together, and a dead worker's run is taken over once its lease expires.
 */
@Injectable()
export class RunLease {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

  constructor(
    private readonly runs: RetentionRunRepository,
    private readonly config: AppConfig,
  ) {}

  claim(runId: string): Promise<boolean> {
    return this.runs.claim(runId, this.owner, this.config.RETENTION_LEASE_MS);
  }

  renew(runId: string): Promise<boolean> {
    return this.runs.renew(runId, this.owner, this.config.RETENTION_LEASE_MS);
  }

  release(runId: string): Promise<void> {
    return this.runs.release(runId, this.owner);
  }

  /**
   * Renewed in a batch's Finalité transaction, first: a worker that lost the run records nothing,
   * and the throw rolls that transaction back (and the customer one not yet committed).
   */
  async renewForBatch(m: EntityManager, runId: string, seq: number): Promise<{ cancelRequested: boolean }> {
    const lease = await this.runs.renewInTransaction(m, runId, this.owner, this.config.RETENTION_LEASE_MS);
    if (!lease)
      throw new RetentionLeaseLost(`The lease on run ${runId} was lost before batch ${seq} was recorded`);
    return lease;
  }
}
