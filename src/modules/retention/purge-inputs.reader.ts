import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { addDuration, approximateDays } from '../../common/time/iso-duration';
import { ConsentsService } from '../consents/consents.service';
import { InteractionsService } from '../consents/interactions.service';
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
/** purpose code → subjects whose recorded contact still keeps that purpose's clock running. */
export type RecentContacts = Map<string, string[]>;

export interface PurgeInputs {
  /** purpose code → consent withdrawals of the subjects in scope. */
  withdrawals: Withdrawals;
  /**
   * purpose code → subjects whose latest contact recorded in Finalité (an interaction, a consent
   * grant) is recent enough that the purpose's `last_interaction` clock still runs at `now`.
   */
  recentContacts: RecentContacts;
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
    private readonly interactions: InteractionsService,
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

  /**
   * For each purpose whose clock recorded contacts restart, the subjects (of `scope`, else all)
   * whose latest contact plus the purpose's duration is not yet past `now`: for them the purpose
   * has not expired, whatever the row's own column says (ADR 0051).
   */
  async recentContacts(rule: DatasetRule, scope: string[] | null, now: Date): Promise<RecentContacts> {
    const recent: RecentContacts = new Map();
    if (!rule.subjectColumn || rule.contactPurposes.length === 0) return recent;
    // Contacts older than the longest duration keep nothing: read only those after the earliest
    // start a running clock can have (average month lengths, a week of margin; exact test below).
    const longest = Math.max(...rule.contactPurposes.map((c) => approximateDays(c.duration)));
    const since = new Date(now.getTime() - (longest + 7) * 86_400_000);
    const grantPurposes = rule.contactPurposes.filter((c) => c.consentGrants).map((c) => c.purposeCode);
    const latest = await this.interactions.latestContacts(grantPurposes, since, scope);
    for (const c of rule.contactPurposes) {
      const running = (at: Date) => addDuration(at, c.duration).getTime() >= now.getTime();
      const subjects = new Set<string>();
      for (const [subject, at] of latest.interactions) if (running(at)) subjects.add(subject);
      if (c.consentGrants) {
        for (const [subject, at] of latest.grants.get(c.purposeCode) ?? [])
          if (running(at)) subjects.add(subject);
      }
      recent.set(c.purposeCode, [...subjects].sort());
    }
    return recent;
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
    const now = new Date();
    const recent = await this.recentContacts(rule, scope, now);
    const exemptions: RetentionExemption[] = [
      ...holds.exemptions,
      ...rule.legalObligationKeeps.map((k) => ({
        kind: 'legal_obligation' as const,
        purposeCode: k.purposeCode,
        fields: k.fields,
        reason: `legal obligation (${k.purposeCode}) keeps these fields until its retention period ends`,
      })),
    ];
    return { inputs: { ...this.inputs(withdrawals, holds, scope), recentContacts: recent, now }, exemptions };
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
      recentContacts: new Map(),
      wholeDatasetHeld: holds.wholeDatasetHeld,
      heldSubjects: holds.heldSubjects,
      subjectFilter: scope,
      hashKey: this.hashKey,
      batchSize,
      now: new Date(),
    };
  }
}
