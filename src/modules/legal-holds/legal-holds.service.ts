import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import type { LegalHoldResponseDto, ListLegalHoldsQueryDto, PlaceLegalHoldDto } from './dto/legal-hold.dto';
import type { LegalHoldEntity } from './entities/legal-hold.entity';
import { LegalHoldAlreadyLifted, LegalHoldNotFound, LegalHoldTargetInvalid } from './legal-holds.errors';
import { LegalHoldsRepository } from './legal-holds.repository';

/** What the holds in force cover in one dataset, as the retention engine needs it. */
export interface HoldCoverage {
  /** Holds on the whole dataset or its system: nothing in it may be purged. */
  wholeDataset: { id: string; reason: string }[];
  /** Holds on subjects: their rows may not be purged (the subject id → hold). */
  subjects: Map<string, { id: string; reason: string }>;
}

const TARGET_BY_SCOPE = { subject: 'subjectId', dataset: 'datasetId', system: 'systemCode' } as const;

/** Legal holds: placed and lifted by the DPO, honoured by every retention run and erasure. */
@Injectable()
export class LegalHoldsService {
  constructor(
    private readonly repository: LegalHoldsRepository,
    private readonly audit: AuditService,
  ) {}

  async place(dto: PlaceLegalHoldDto, actor: Actor): Promise<LegalHoldResponseDto> {
    const targetKey = TARGET_BY_SCOPE[dto.scope];
    const given = Object.values(TARGET_BY_SCOPE).filter((k) => dto[k] !== undefined);
    if (given.length !== 1 || given[0] !== targetKey) {
      throw new LegalHoldTargetInvalid(`A hold with scope "${dto.scope}" names exactly its ${targetKey}`, {
        expected: targetKey,
        given,
      });
    }
    return this.repository.transaction(async (m) => {
      const hold = await this.repository.insert(m, {
        scope: dto.scope,
        subjectId: dto.subjectId ?? null,
        datasetId: dto.datasetId ?? null,
        systemCode: dto.systemCode ?? null,
        reason: dto.reason,
        endsAt: dto.endsAt ?? null,
        placedBy: actor,
        placedAt: new Date(),
        liftedBy: null,
        liftedAt: null,
      });
      await this.audit.recordInTransaction(m, {
        type: 'legal_hold.placed',
        actor,
        target: { type: 'legal_hold', id: hold.id },
        subjectId: hold.subjectId ?? undefined,
        payload: {
          scope: hold.scope,
          datasetId: hold.datasetId,
          systemCode: hold.systemCode,
          reason: hold.reason,
          endsAt: hold.endsAt?.toISOString() ?? null,
        },
      });
      return toLegalHoldResponse(hold);
    });
  }

  async lift(id: string, actor: Actor): Promise<LegalHoldResponseDto> {
    return this.repository.transaction(async (m) => {
      const hold = await this.repository.lock(m, id);
      if (!hold) throw new LegalHoldNotFound(`No legal hold with id "${id}"`);
      if (hold.liftedAt) throw new LegalHoldAlreadyLifted(`Legal hold "${id}" was already lifted`);
      hold.liftedAt = new Date();
      hold.liftedBy = actor;
      await this.repository.save(m, hold);
      await this.audit.recordInTransaction(m, {
        type: 'legal_hold.lifted',
        actor,
        target: { type: 'legal_hold', id: hold.id },
        subjectId: hold.subjectId ?? undefined,
        payload: { scope: hold.scope, datasetId: hold.datasetId, systemCode: hold.systemCode },
      });
      return toLegalHoldResponse(hold);
    });
  }

  async get(id: string): Promise<LegalHoldResponseDto> {
    const hold = await this.repository.find(id);
    if (!hold) throw new LegalHoldNotFound(`No legal hold with id "${id}"`);
    return toLegalHoldResponse(hold);
  }

  async list(query: ListLegalHoldsQueryDto): Promise<LegalHoldResponseDto[]> {
    const state = query.state ?? 'in_force';
    const holds = await this.repository.list(
      state === 'lifted' ? true : state === 'in_force' ? false : undefined,
    );
    const now = Date.now();
    return holds
      .filter((h) => state !== 'in_force' || inForce(h, now))
      .map((h) => toLegalHoldResponse(h, now));
  }

  /**
   * The holds in force over one dataset (directly, through its system, or on subjects). `m`: read
   * inside the caller's transaction (a purge batch's preparation re-reads them every batch).
   */
  async coverage(
    systemCode: string,
    datasetId: string,
    m: EntityManager = this.repository.manager,
  ): Promise<HoldCoverage> {
    const holds = await this.repository.coveringHolds(m, systemCode, datasetId);
    const coverage: HoldCoverage = { wholeDataset: [], subjects: new Map() };
    for (const h of holds) {
      if (h.scope === 'subject') {
        if (!coverage.subjects.has(h.subject_id!))
          coverage.subjects.set(h.subject_id!, { id: h.id, reason: h.reason });
      } else {
        coverage.wholeDataset.push({ id: h.id, reason: h.reason });
      }
    }
    return coverage;
  }
}

function inForce(h: LegalHoldEntity, now: number): boolean {
  return !h.liftedAt && (!h.endsAt || h.endsAt.getTime() > now);
}

function toLegalHoldResponse(h: LegalHoldEntity, now = Date.now()): LegalHoldResponseDto {
  return {
    id: h.id,
    scope: h.scope,
    subjectId: h.subjectId,
    datasetId: h.datasetId,
    systemCode: h.systemCode,
    reason: h.reason,
    endsAt: h.endsAt,
    inForce: inForce(h, now),
    placedBy: h.placedBy,
    placedAt: h.placedAt,
    liftedBy: h.liftedBy,
    liftedAt: h.liftedAt,
  };
}
