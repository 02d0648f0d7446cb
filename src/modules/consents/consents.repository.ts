import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, DeepPartial, EntityManager } from 'typeorm';
import {
  ConsentStatus,
  type ConsentWithdrawnEvent,
  RestrictionKind,
  type SubjectState,
} from './consent.model';
import { ConsentEventEntity } from './entities/consent-event.entity';
import { ConsentStateEntity } from './entities/consent-state.entity';

/** A consent event ready to write (validated against the register). */
export interface ConsentWrite {
  subjectId: string;
  purposeCode: string;
  status: ConsentStatus;
  purposeVersion: number;
  source: string;
  proof: Record<string, unknown>;
  occurredAt: Date;
}

interface SubjectStateRow {
  subject_id: string;
  kind: 'consent' | 'restriction' | 'archive';
  code: string | null;
  status: string | null;
  version: number | null;
  id: string | null;
  purposes: string[] | null;
  until: Date | string | null;
}

/**
 * The SQL of consents: the event history (consent_event) and the current state per subject and
 * purpose (consent_state). Which event may be recorded is ConsentsService's rule.
 */
@Injectable()
export class ConsentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  statesOf(subjectId: string): Promise<ConsentStateEntity[]> {
    return this.dataSource.manager.find(ConsentStateEntity, {
      where: { subjectId },
      order: { purposeCode: 'ASC' },
    });
  }

  eventsOf(subjectId: string): Promise<ConsentEventEntity[]> {
    return this.dataSource.manager.find(ConsentEventEntity, {
      where: { subjectId },
      order: { occurredAt: 'DESC', recordedAt: 'DESC' },
    });
  }

  /** Inserts the events, `chunk` rows per statement. */
  insertEvents(
    m: EntityManager,
    events: DeepPartial<ConsentEventEntity>[],
    chunk: number,
  ): Promise<ConsentEventEntity[]> {
    const entities = events.map((e) => m.create(ConsentEventEntity, e));
    return m.save(ConsentEventEntity, entities, { chunk });
  }

  /**
   * Moves the current state forward where the event is the latest for its pair (an imported
   * older event only adds history). Returns the withdrawals that became current.
   */
  async upsertStates(
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

  /** Pairs whose current state is withdrawn, for some purposes and optionally some subjects. */
  async currentWithdrawals(
    purposeCodes: string[],
    subjectIds?: string[],
  ): Promise<{ subjectId: string; purposeCode: string; withdrawnAt: Date }[]> {
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

  async hasConsentRecords(purposeCode: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM consent_state WHERE purpose_code = $1 LIMIT 1`,
      [purposeCode],
    );
    return rows.length > 0;
  }

  /**
   * Current consents, active restrictions and running archive phases of the subjects (those with
   * none are absent): one indexed round trip, the read behind every access check's cache miss
   * (SubjectStateService). The archive phases come from the retention engine's ledger
   * (subject_archive_phase, index on subject_id, purpose_id), per purpose code; a purpose is in
   * archive phase for the subject when any of its datasets is.
   */
  async subjectStates(subjectIds: string[]): Promise<Map<string, SubjectState>> {
    const rows = await this.dataSource.query<SubjectStateRow[]>(
      `SELECT subject_id, 'consent' AS kind, purpose_code AS code, status, purpose_version AS version,
              NULL::text AS id, NULL::jsonb AS purposes, NULL::timestamptz AS until
         FROM consent_state WHERE subject_id = ANY($1::text[])
       UNION ALL
       SELECT subject_id, 'restriction', NULL, kind, NULL, id::text, purpose_codes, NULL
         FROM subject_restriction WHERE subject_id = ANY($1::text[]) AND lifted_at IS NULL
       UNION ALL
       SELECT a.subject_id, 'archive', p.code, NULL, NULL, NULL, NULL, max(a.archive_until)
         FROM subject_archive_phase a JOIN purpose p ON p.id = a.purpose_id
        WHERE a.subject_id = ANY($1::text[]) AND a.archive_until > now()
        GROUP BY a.subject_id, p.code`,
      [subjectIds],
    );
    const states = new Map<string, SubjectState>();
    for (const row of rows) {
      let state = states.get(row.subject_id);
      if (!state) {
        states.set(row.subject_id, (state = { consents: new Map(), restrictions: [], archived: new Map() }));
      }
      if (row.kind === 'archive') {
        state.archived.set(row.code!, new Date(row.until!));
      } else if (row.kind === 'consent') {
        state.consents.set(row.code!, {
          status: row.status as ConsentStatus,
          purposeVersion: Number(row.version),
        });
      } else {
        state.restrictions.push({
          id: row.id!,
          kind: row.status as RestrictionKind,
          purposeCodes: row.purposes,
        });
      }
    }
    return states;
  }

  /** NOTIFY on commit of m's transaction (the other instances drop their cached state). */
  async notify(m: EntityManager, channel: string, payload: string): Promise<void> {
    await m.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }
}
