import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { ConsentsService } from '../consents/consents.service';
import type { RetentionDatasetPlan } from '../inventory/inventory.types';
import { LegalHoldsService } from '../legal-holds/legal-holds.service';
import { PurposesService } from '../purposes/purposes.service';
import type { RetentionExemption } from './entities/retention-run-dataset.entity';
import type { RetentionRunEntity } from './entities/retention-run.entity';
import { HoldInputs, readHoldInputs } from './hold-inputs';
import { retentionHashKey } from './retention-hash-key';
import { buildDatasetRule, DatasetRule, PurposeFacts } from './retention-rule';

/** purpose code → consent withdrawals of the subjects in scope. */
export type Withdrawals = Map<string, { subjectId: string; withdrawnAt: Date }[]>;

export interface PurgeInputs {
  /** purpose code → consent withdrawals of the subjects in scope. */
  withdrawals: Withdrawals;
  wholeDatasetHeld: boolean;
  heldSubjects: string[];
  /** Erasure / consent-withdrawal runs: only these subjects' rows are considered. */
  subjectFilter: string[] | null;
  /** Key of the anonymisation hash (HMAC-SHA256, computed in SQL without extensions). */
  hashKey: Buffer;
  batchSize: number;
  now: Date;
}

/**
 * What every executor reads before purging a dataset: its rule (from the register and the
 * purposes), the legal holds and consent withdrawals in force, and the exemptions to report.
 * The overdue view reads the same, so that both see one due-date rule (due-date.rule.ts).
 */
@Injectable()
export class PurgeInputsReader {
  private readonly hashKey: Buffer;

  constructor(
    private readonly config: AppConfig,
    private readonly purposes: PurposesService,
    private readonly consents: ConsentsService,
    private readonly holds: LegalHoldsService,
  ) {
    this.hashKey = retentionHashKey(config);
  }

  async purposeFacts(): Promise<Map<string, PurposeFacts>> {
    return new Map((await this.purposes.listAll()).map((p) => [p.code, p]));
  }

  async rule(run: Pick<RetentionRunEntity, 'kind'>, plan: RetentionDatasetPlan): Promise<DatasetRule> {
    return buildDatasetRule(plan, await this.purposeFacts(), { erasure: run.kind === 'erasure' });
  }

  /**
   * The holds in force now over the rule's dataset. `locateBySubject`: Finalité finds the rows
   * itself (postgres), so a subject hold on a dataset without a subject column holds the whole
   * dataset (hold-inputs.ts). `m`: inside the caller's transaction (a batch's preparation).
   */
  readHolds(
    rule: DatasetRule,
    scope: string[] | null,
    locateBySubject: boolean,
    m?: EntityManager,
  ): Promise<HoldInputs> {
    return readHoldInputs(this.holds, rule, scope, locateBySubject, m);
  }

  /** Consent withdrawals of the rule's consent-based purposes (of `scope`'s subjects, else all). */
  async withdrawals(rule: DatasetRule, scope: string[] | null): Promise<Withdrawals> {
    const withdrawals: Withdrawals = new Map();
    if (rule.subjectColumn && rule.withdrawalPurposes.length) {
      for (const w of await this.consents.findWithdrawals(rule.withdrawalPurposes, scope ?? undefined)) {
        withdrawals.set(w.purposeCode, [...(withdrawals.get(w.purposeCode) ?? []), w]);
      }
    }
    return withdrawals;
  }

  /** Holds, withdrawals and exemptions of one dataset for this run. */
  async forRun(
    run: Pick<RetentionRunEntity, 'subjectIds'>,
    rule: DatasetRule,
    locateBySubject = false,
  ): Promise<{ inputs: PurgeInputs; exemptions: RetentionExemption[] }> {
    const scope = run.subjectIds;
    const holds = await this.readHolds(rule, scope, locateBySubject);
    const withdrawals = await this.withdrawals(rule, scope);
    const exemptions: RetentionExemption[] = [
      ...holds.exemptions,
      ...rule.legalObligationKeeps.map((k) => ({
        kind: 'legal_obligation' as const,
        purposeCode: k.purposeCode,
        fields: k.fields,
        reason: `legal obligation (${k.purposeCode}) keeps these fields until its retention period ends`,
      })),
    ];
    return { inputs: this.inputs(withdrawals, holds, scope), exemptions };
  }

  /** Purge inputs from holds and withdrawals already read. */
  inputs(
    withdrawals: Withdrawals,
    holds: Pick<HoldInputs, 'wholeDatasetHeld' | 'heldSubjects'>,
    scope: string[] | null,
    batchSize = this.config.RETENTION_BATCH_SIZE,
  ): PurgeInputs {
    return {
      withdrawals,
      wholeDatasetHeld: holds.wholeDatasetHeld,
      heldSubjects: holds.heldSubjects,
      subjectFilter: scope,
      hashKey: this.hashKey,
      batchSize,
      now: new Date(),
    };
  }
}
