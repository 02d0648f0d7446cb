import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { currentRequestId } from '../../common/request-context';
import { inTransaction } from '../../database/transaction';
import { AppAbility, asSubject } from '../../policies/ability.factory';
import { Action } from '../../policies/action.enum';
import { requiresConsent } from '../../policies/access/compiled-access-policy';
import type { Actor } from '../../policies/principal';
import type { AuditEventInput } from '../audit/audit-event.types';
import { AuditService } from '../audit/audit.service';
import { PurposeStatus } from '../purposes/purpose.model';
import { PurposesService, PurposeView } from '../purposes/purposes.service';
import {
  CLOCK_SKEW_MS,
  CONSENT_WITHDRAWN_EVENT,
  ConsentStatus,
  ConsentWithdrawnEvent,
  proofTooLarge,
  PROOF_MAX_BYTES,
} from './consent.model';
import {
  IMPORT_MAX_LISTED_ERRORS,
  IMPORT_MAX_ROWS,
  ImportBodyTooLarge,
  parseImportRow,
  readNdjsonLines,
} from './consent-import';
import {
  ConsentNotApplicable,
  ConsentImportRejected,
  ConsentImportTooLarge,
  ConsentProofTooLarge,
  ConsentPurposeNotActive,
  ConsentPurposeNotAuthorised,
  ConsentPurposeUnknown,
  ConsentPurposeVersionInvalid,
  ConsentTimestampInFuture,
} from './consents.errors';
import type {
  ConsentImportLineErrorDto,
  ConsentImportResultDto,
  ConsentRecordDto,
  SubjectConsentsDto,
} from './dto/consent.response.dto';
import type { RecordConsentDto } from './dto/record-consent.dto';
import { ConsentEventEntity } from './entities/consent-event.entity';
import { ConsentStateEntity } from './entities/consent-state.entity';
import { ALL_SUBJECTS, SubjectStateService } from './subject-state.service';

/** A consent event ready to write (validated against the register). */
interface ConsentWrite {
  subjectId: string;
  purposeCode: string;
  status: ConsentStatus;
  purposeVersion: number;
  source: string;
  proof: Record<string, unknown>;
  occurredAt: Date;
}

const WRITE_BATCH = 500;

/**
 * Consent records (art. 7): every grant and withdrawal is kept (history) and the latest one per
 * subject and purpose is the current state the access check reads. Each change records its audit
 * event in the same transaction; a withdrawal is then announced in process for retention.
 */
@Injectable()
export class ConsentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly purposes: PurposesService,
    private readonly audit: AuditService,
    private readonly subjectState: SubjectStateService,
    private readonly events: EventEmitter2,
  ) {}

  async record(
    subjectId: string,
    dto: RecordConsentDto,
    actor: Actor,
    ability: AppAbility,
  ): Promise<ConsentRecordDto> {
    const now = new Date();
    const { saved, becameCurrent } = await inTransaction(this.dataSource, async (m) => {
      const purposes = await this.purposesByCode(m);
      const problem = consentProblem(dto, purposes, ability, now);
      if (problem) throw problem;
      const write = toWrite(subjectId, dto, purposes.get(dto.purpose)!, now);
      const [event] = await this.insertEvents(m, [write], actor, null);
      const current = await this.upsertStates(m, [{ ...write, eventId: event.id }]);
      await this.audit.recordInTransaction(m, auditInput(write, event.id, actor));
      await this.subjectState.notifyChanged(m, subjectId);
      return { saved: event, becameCurrent: current };
    });
    // A withdrawal holds on every instance before it is acknowledged; a grant may arrive late.
    await this.subjectState.changed(subjectId, dto.status === ConsentStatus.Withdrawn);
    this.announceWithdrawals(becameCurrent);
    return toRecordDto(saved);
  }

  /** Current state and history for the purposes the caller may read (an application: its own). */
  async forSubject(subjectId: string, ability: AppAbility): Promise<SubjectConsentsDto> {
    const [states, events] = await Promise.all([
      this.dataSource.manager.find(ConsentStateEntity, {
        where: { subjectId },
        order: { purposeCode: 'ASC' },
      }),
      this.dataSource.manager.find(ConsentEventEntity, {
        where: { subjectId },
        order: { occurredAt: 'DESC', recordedAt: 'DESC' },
      }),
    ]);
    const visible = (code: string) => ability.can(Action.Read, asSubject('Consent', { purpose: code }));
    return {
      subjectId,
      current: states
        .filter((s) => visible(s.purposeCode))
        .map((s) => ({
          purpose: s.purposeCode,
          status: s.status,
          purposeVersion: s.purposeVersion,
          source: s.source,
          occurredAt: s.occurredAt,
        })),
      history: events.filter((e) => visible(e.purposeCode)).map(toRecordDto),
    };
  }

  /**
   * Imports NDJSON consent events, all or nothing: every line is validated (JSON, fields, the
   * purpose rules); if any is bad nothing is written and each bad line is reported by number.
   * Rows are written in batches inside the one transaction while no error has been seen.
   */
  async import(body: Readable, actor: Actor, ability: AppAbility): Promise<ConsentImportResultDto> {
    const importId = randomUUID();
    const now = new Date();
    const errors: ConsentImportLineErrorDto[] = [];
    let errorCount = 0;
    let lines = 0;
    const counts = { granted: 0, withdrawn: 0 };
    const withdrawals: ConsentWithdrawnEvent[] = [];

    await inTransaction(this.dataSource, async (m) => {
      const purposes = await this.purposesByCode(m);
      const audits: AuditEventInput[] = [];
      let batch: ConsentWrite[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const saved = await this.insertEvents(m, batch, actor, importId);
        const current = await this.upsertStates(
          m,
          batch.map((w, i) => ({ ...w, eventId: saved[i].id })),
        );
        withdrawals.push(...current);
        batch.forEach((w, i) => audits.push(auditInput(w, saved[i].id, actor, importId)));
        batch = [];
      };
      try {
        for await (const { line, text } of readNdjsonLines(body)) {
          lines += 1;
          if (lines > IMPORT_MAX_ROWS) {
            throw new ConsentImportTooLarge(
              `An import holds at most ${IMPORT_MAX_ROWS} rows; split the file`,
              { limit: IMPORT_MAX_ROWS },
            );
          }
          const parsed = parseImportRow(text);
          const problems =
            parsed.problems ??
            [consentProblem(parsed.row, purposes, ability, now)?.message].filter(
              (m): m is string => m !== undefined,
            );
          if (problems.length > 0 || parsed.problems) {
            errorCount += 1;
            if (errors.length < IMPORT_MAX_LISTED_ERRORS) errors.push({ line, problems });
            continue;
          }
          if (errorCount > 0) continue; // nothing will be written: only validate the rest
          const row = parsed.row;
          batch.push(toWrite(row.subjectId, row, purposes.get(row.purpose)!, now));
          counts[row.status] += 1;
          if (batch.length >= WRITE_BATCH) await flush();
        }
      } catch (e) {
        if (e instanceof ImportBodyTooLarge) {
          throw new ConsentImportTooLarge(`${e.message}; split the file`, { limit: e.maxBytes });
        }
        throw e;
      }
      if (errorCount > 0) {
        throw new ConsentImportRejected(`${errorCount} of ${lines} lines are invalid; nothing was imported`, {
          errorCount,
          listed: errors.length,
          errors,
        });
      }
      await flush();
      // Last, so the audit chain lock is held only for the end of the import.
      for (let i = 0; i < audits.length; i += 1_000) {
        await this.audit.appendBatch(m, audits.slice(i, i + 1_000));
      }
      await this.subjectState.notifyChanged(m, ALL_SUBJECTS);
    });
    await this.subjectState.changed(ALL_SUBJECTS, counts.withdrawn > 0);
    this.announceWithdrawals(withdrawals);
    return { importId, lines, imported: counts.granted + counts.withdrawn, ...counts };
  }

  /** For retention: pairs whose current state is withdrawn, optionally for some subjects only. */
  async findWithdrawals(
    purposeCodes: string[],
    subjectIds?: string[],
  ): Promise<{ subjectId: string; purposeCode: string; withdrawnAt: Date }[]> {
    if (purposeCodes.length === 0 || (subjectIds && subjectIds.length === 0)) return [];
    const rows = await this.dataSource.query<
      { subject_id: string; purpose_code: string; occurred_at: Date }[]
    >(
      `SELECT subject_id, purpose_code, occurred_at FROM consent_state
        WHERE purpose_code = ANY($1::text[]) AND status = 'withdrawn'
          AND ($2::text[] IS NULL OR subject_id = ANY($2::text[]))
        ORDER BY purpose_code, subject_id`,
      [purposeCodes, subjectIds ?? null],
    );
    return rows.map((r) => ({
      subjectId: r.subject_id,
      purposeCode: r.purpose_code,
      withdrawnAt: new Date(r.occurred_at),
    }));
  }

  /** For retention: whether any consent was ever recorded for the purpose. */
  async hasConsentRecords(purposeCode: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM consent_state WHERE purpose_code = $1 LIMIT 1`,
      [purposeCode],
    );
    return rows.length > 0;
  }

  private async purposesByCode(m: EntityManager): Promise<Map<string, PurposeView>> {
    return new Map((await this.purposes.listAll(m)).map((p) => [p.code, p]));
  }

  private async insertEvents(
    m: EntityManager,
    writes: ConsentWrite[],
    actor: Actor,
    importId: string | null,
  ): Promise<ConsentEventEntity[]> {
    const requestId = currentRequestId() ?? null;
    const entities = writes.map((w) =>
      m.create(ConsentEventEntity, {
        ...w,
        recordedAt: new Date(),
        recordedBy: actor.id,
        importId,
        requestId,
      }),
    );
    return m.save(ConsentEventEntity, entities, { chunk: WRITE_BATCH });
  }

  /**
   * Moves the current state forward where the event is the latest for its pair (an imported
   * older event only adds history). Returns the withdrawals that became current.
   */
  private async upsertStates(
    m: EntityManager,
    writes: (ConsentWrite & { eventId: string })[],
  ): Promise<ConsentWithdrawnEvent[]> {
    // One row per pair per statement (ON CONFLICT cannot touch a row twice): the latest wins.
    const latest = new Map<string, ConsentWrite & { eventId: string }>();
    for (const w of writes) {
      const key = `${w.subjectId}\u0000${w.purposeCode}`;
      const seen = latest.get(key);
      if (!seen || seen.occurredAt.getTime() <= w.occurredAt.getTime()) latest.set(key, w);
    }
    const rows = [...latest.values()];
    const params: unknown[] = [];
    const values = rows.map((w) => {
      params.push(w.subjectId, w.purposeCode, w.status, w.purposeVersion, w.source, w.occurredAt, w.eventId);
      const n = params.length;
      return `($${n - 6}, $${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n}, now())`;
    });
    const changed = await m.query<
      { subject_id: string; purpose_code: string; status: string; occurred_at: Date }[]
    >(
      `INSERT INTO consent_state (subject_id, purpose_code, status, purpose_version, source, occurred_at, event_id, updated_at)
       VALUES ${values.join(', ')}
       ON CONFLICT (subject_id, purpose_code) DO UPDATE SET
         status = EXCLUDED.status, purpose_version = EXCLUDED.purpose_version, source = EXCLUDED.source,
         occurred_at = EXCLUDED.occurred_at, event_id = EXCLUDED.event_id, updated_at = now()
       WHERE consent_state.occurred_at <= EXCLUDED.occurred_at
       RETURNING subject_id, purpose_code, status, occurred_at`,
      params,
    );
    return changed
      .filter((r) => r.status === (ConsentStatus.Withdrawn as string))
      .map((r) => ({
        subjectId: r.subject_id,
        purposeCode: r.purpose_code,
        withdrawnAt: new Date(r.occurred_at),
      }));
  }

  /** After commit only: listeners (retention) must never act on a rolled-back withdrawal. */
  private announceWithdrawals(withdrawals: ConsentWithdrawnEvent[]): void {
    for (const w of withdrawals) this.events.emit(CONSENT_WITHDRAWN_EVENT, w);
  }
}

/** Why this consent cannot be recorded, or undefined when it can. */
function consentProblem(
  dto: RecordConsentDto,
  purposes: Map<string, PurposeView>,
  ability: AppAbility,
  now: Date,
): Error | undefined {
  if (!ability.can(Action.Create, asSubject('Consent', { purpose: dto.purpose }))) {
    return new ConsentPurposeNotAuthorised(`The caller is not authorised for purpose "${dto.purpose}"`);
  }
  const purpose = purposes.get(dto.purpose);
  if (!purpose) return new ConsentPurposeUnknown(`No purpose with code "${dto.purpose}"`);
  if (!requiresConsent(purpose)) {
    return new ConsentNotApplicable(
      `Purpose "${dto.purpose}" is based on ${purpose.legalBasis ?? 'no legal basis'}, not consent; consent cannot be recorded for it`,
    );
  }
  // Withdrawing must stay possible after a purpose is retired; granting needs an active purpose.
  const usable =
    dto.status === ConsentStatus.Withdrawn
      ? purpose.status !== PurposeStatus.Draft
      : purpose.status === PurposeStatus.Active;
  if (!usable) {
    return new ConsentPurposeNotActive(`Purpose "${dto.purpose}" is ${purpose.status}`);
  }
  if (dto.purposeVersion !== undefined && dto.purposeVersion > purpose.version) {
    return new ConsentPurposeVersionInvalid(
      `Purpose "${dto.purpose}" is at version ${purpose.version}; purposeVersion ${dto.purposeVersion} does not exist`,
    );
  }
  if (proofTooLarge(dto.proof)) {
    return new ConsentProofTooLarge(`proof must be at most ${PROOF_MAX_BYTES} bytes of JSON`);
  }
  if (dto.occurredAt && new Date(dto.occurredAt).getTime() > now.getTime() + CLOCK_SKEW_MS) {
    return new ConsentTimestampInFuture('occurredAt is in the future');
  }
  return undefined;
}

function toWrite(subjectId: string, dto: RecordConsentDto, purpose: PurposeView, now: Date): ConsentWrite {
  return {
    subjectId,
    purposeCode: dto.purpose,
    status: dto.status,
    purposeVersion: dto.purposeVersion ?? purpose.version,
    source: dto.source,
    proof: dto.proof ?? {},
    occurredAt: dto.occurredAt ? new Date(dto.occurredAt) : now,
  };
}

function auditInput(w: ConsentWrite, eventId: string, actor: Actor, importId?: string): AuditEventInput {
  return {
    type: w.status === ConsentStatus.Granted ? 'consent.granted' : 'consent.withdrawn',
    actor,
    purposeCode: w.purposeCode,
    subjectId: w.subjectId,
    target: { type: 'consent_event', id: eventId },
    payload: {
      purposeVersion: w.purposeVersion,
      source: w.source,
      occurredAt: w.occurredAt.toISOString(),
      // The proof itself may hold personal data: the trail keeps its fingerprint only.
      proofSha256: createHash('sha256').update(JSON.stringify(w.proof)).digest('hex'),
      ...(importId ? { importId } : {}),
    },
  };
}

function toRecordDto(e: ConsentEventEntity): ConsentRecordDto {
  return {
    id: e.id,
    subjectId: e.subjectId,
    purpose: e.purposeCode,
    status: e.status,
    purposeVersion: e.purposeVersion,
    source: e.source,
    proof: e.proof,
    occurredAt: e.occurredAt,
    recordedAt: e.recordedAt,
    recordedBy: e.recordedBy,
  };
}
