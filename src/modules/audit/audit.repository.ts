import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../database/transaction';
import { AUDIT_EVENT_COLUMNS, AuditEventRow } from './audit-event.mapper';

/** Advisory lock key ordering checkpoint inserts before the reads of their ids ("FINC"). */
export const AUDIT_CHECKPOINT_LOCK = 0x46_49_4e_43;

/** A tail cut below a signed checkpoint: the table ends at headSeq, a checkpoint sealed sealedSeq. */
export interface AuditTrailCut {
  headSeq: number;
  sealedSeq: number;
}

/**
 * What the database still says about checkpoints that are gone (docs/audit.md, "Removed
 * checkpoints"): the identity sequence issued ids that no row holds, an
 * audit.checkpoints_exported event cites a checkpoint id that no longer exists, or the checkpoint
 * this instance last signed (kept in DATA_DIR) is no longer held as it was signed.
 */
export interface CheckpointRemovalEvidence {
  /** The lowest checkpoint id proven to have existed and now missing. */
  firstMissingId: number;
  /** Ids the sequence issued (null: unreadable, e.g. no privilege) and checkpoints held. */
  issued: number | null;
  held: number;
  /** Sequence of an audit.checkpoints_exported event citing a missing checkpoint, if any. */
  citedBySeq: number | null;
  /** The missing checkpoint is the one this instance recorded outside the database (DATA_DIR). */
  keptOutside: boolean;
  /** Highest head_seq among held checkpoints with an id below firstMissingId (0: none). */
  sealedBefore: number;
}

/** A signed statement "the chain had this hash at this sequence at this time". */
export interface AuditCheckpointRecord {
  id: number;
  headSeq: number;
  headHash: string;
  signedAt: string;
  keyId: string;
  /** Ed25519 signature (base64) of canonical JSON { headHash, headSeq, signedAt }. */
  signature: string;
}

/** Decisions of one application for one purpose with one outcome, in a period. */
export interface DecisionCountRow {
  actorId: string;
  actorName: string;
  purposeCode: string;
  decision: string;
  /** The life-cycle phase asked for: payload.phase, 'active' when absent (ADR 0054). */
  phase: string;
  count: number;
}

/** Decisions with one outcome on one UTC day (the dashboard's time series). */
export interface DailyDecisionCountRow {
  /** YYYY-MM-DD, UTC. */
  day: string;
  decision: string;
  count: number;
}

/** How often one denial reason was given for a field, in a period. */
export interface DenialReasonCountRow {
  reason: string;
  count: number;
}

interface CheckpointRow {
  id: string;
  head_seq: string;
  head_hash: string;
  signed_at: Date;
  key_id: string;
  signature: string;
}

const CHECKPOINT_COLUMNS = 'id, head_seq, head_hash, signed_at, key_id, signature';

/**
 * SQL of the audit module outside the writer's hot path (audit.service.ts and
 * audit-batch-writer.ts keep theirs, tuned for throughput): checkpoints, the reads of the chain
 * verification, and the decision aggregates of the access report.
 */
@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The cut, or null when no checkpoint lies beyond the last event. Two indexed max() reads. */
  async trailCut(): Promise<AuditTrailCut | null> {
    const [row] = await this.dataSource.query<{ head: string | null; sealed: string | null }[]>(
      `SELECT (SELECT max(seq) FROM audit_event) AS head, (SELECT max(head_seq) FROM audit_checkpoint) AS sealed`,
    );
    const headSeq = row.head === null ? 0 : Number(row.head);
    if (row.sealed === null || headSeq >= Number(row.sealed)) return null;
    return { headSeq, sealedSeq: Number(row.sealed) };
  }

  /**
   * Evidence that checkpoint rows were deleted, or null. A gap in ids can also be left by an insert
   * that failed after taking its id: rare (one single-row insert), and then an operator explains it.
   */
  async checkpointRemovalEvidence(
    keptOutside: { id: number; headSeq: number; headHash: string; signature: string } | null,
  ): Promise<CheckpointRemovalEvidence | null> {
    return inTransaction(this.dataSource, async (m) => {
      // The id sequence is not transactional: an id taken by a checkpoint insert still in flight
      // (another instance) would read as a removed row. Wait for such inserts (they hold the lock
      // exclusively), then read with a snapshot taken after them.
      await m.query('SELECT pg_advisory_xact_lock_shared($1)', [AUDIT_CHECKPOINT_LOCK]);
      return this.removalEvidence(m, keptOutside);
    });
  }

  /**
   * Inserts a signed checkpoint; returns its id. Under the checkpoint lock, so that the id it takes
   * from the sequence is never seen without its row (checkpointRemovalEvidence).
   */
  async insertCheckpoint(c: {
    headSeq: number;
    headHash: string;
    signedAt: string;
    keyId: string;
    signature: string;
  }): Promise<number> {
    return inTransaction(this.dataSource, async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHECKPOINT_LOCK]);
      const rows = await m.query<{ id: string }[]>(
        `INSERT INTO audit_checkpoint (head_seq, head_hash, signed_at, key_id, signature)
         VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [c.headSeq, c.headHash, c.signedAt, c.keyId, c.signature],
      );
      return Number(rows[0].id);
    });
  }

  /** The most recent checkpoint signed with keyId. */
  async latestCheckpointByKey(keyId: string): Promise<AuditCheckpointRecord | null> {
    const rows = await this.dataSource.query<CheckpointRow[]>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoint WHERE key_id = $1 ORDER BY head_seq DESC, id DESC LIMIT 1`,
      [keyId],
    );
    return rows.length ? toCheckpoint(rows[0]) : null;
  }

  /** Up to `limit` checkpoints newest first, with ids below beforeId when given. */
  async checkpointsNewestFirst(limit: number, beforeId?: number): Promise<AuditCheckpointRecord[]> {
    const params: unknown[] = [limit];
    let where = '';
    if (beforeId !== undefined) {
      params.push(beforeId);
      where = 'WHERE id < $2';
    }
    const rows = await this.dataSource.query<CheckpointRow[]>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoint ${where} ORDER BY id DESC LIMIT $1`,
      params,
    );
    return rows.map(toCheckpoint);
  }

  /** Id of the latest checkpoint (0 when none). */
  async lastCheckpointId(): Promise<number> {
    const rows = await this.dataSource.query<{ max: string | null }[]>(
      'SELECT max(id) AS max FROM audit_checkpoint',
    );
    return rows[0].max === null ? 0 : Number(rows[0].max);
  }

  /** Up to `limit` checkpoints with afterId < id <= upToId, oldest first (one keyset batch). */
  async checkpointsBetweenIds(
    afterId: number,
    upToId: number,
    limit: number,
  ): Promise<AuditCheckpointRecord[]> {
    const rows = await this.dataSource.query<CheckpointRow[]>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoint WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3`,
      [afterId, upToId, limit],
    );
    return rows.map(toCheckpoint);
  }

  /** Checkpoints sealing a sequence in [fromSeq, toSeq], by head_seq then id. */
  async checkpointsSealing(fromSeq: number, toSeq: number): Promise<AuditCheckpointRecord[]> {
    const rows = await this.dataSource.query<CheckpointRow[]>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoint WHERE head_seq >= $1 AND head_seq <= $2
       ORDER BY head_seq, id`,
      [fromSeq, toSeq],
    );
    return rows.map(toCheckpoint);
  }

  /** Up to `limit` events with lo <= seq <= hi, by seq (one window of the verification walk). */
  eventsInSeqWindow(lo: number, hi: number, limit: number): Promise<AuditEventRow[]> {
    return this.dataSource.query<AuditEventRow[]>(
      `SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_event WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
      [lo, hi, limit],
    );
  }

  /** The stored hash of event seq, or null when no such event exists. */
  async eventHash(seq: number): Promise<string | null> {
    const rows = await this.dataSource.query<{ hash: string }[]>(
      `SELECT hash FROM audit_event WHERE seq = $1`,
      [seq],
    );
    return rows.length ? rows[0].hash : null;
  }

  /** The last event of the trail, or null when it is empty. */
  async head(): Promise<{ seq: number; hash: string } | null> {
    const rows = await this.dataSource.query<{ seq: string; hash: string }[]>(
      'SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1',
    );
    return rows.length ? { seq: Number(rows[0].seq), hash: rows[0].hash } : null;
  }

  /** Events of `eventType` in [from, to), counted by actor, purpose, decision and phase. */
  async decisionCounts(eventType: string, from: Date, to: Date): Promise<DecisionCountRow[]> {
    const rows = await this.dataSource.query<
      {
        actor_id: string;
        actor_name: string;
        purpose_code: string;
        decision: string;
        phase: string;
        count: number;
      }[]
    >(
      `SELECT actor_id, max(actor_name) AS actor_name, purpose_code, payload->>'decision' AS decision,
              COALESCE(payload->>'phase', 'active') AS phase, count(*)::int AS count
         FROM audit_event
        WHERE type = $1 AND occurred_at >= $2 AND occurred_at < $3
        GROUP BY actor_id, purpose_code, payload->>'decision', COALESCE(payload->>'phase', 'active')
        ORDER BY actor_id, purpose_code, decision, phase`,
      [eventType, from, to],
    );
    return rows.map((r) => ({
      actorId: r.actor_id,
      actorName: r.actor_name,
      purposeCode: r.purpose_code,
      decision: r.decision,
      phase: r.phase,
      count: Number(r.count),
    }));
  }

  /** Events of `eventType` in [from, to), counted per UTC day and decision (days without any are absent). */
  async decisionsPerDay(eventType: string, from: Date, to: Date): Promise<DailyDecisionCountRow[]> {
    const rows = await this.dataSource.query<{ day: string; decision: string; count: number }[]>(
      `SELECT to_char(date_trunc('day', occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
              payload->>'decision' AS decision, count(*)::int AS count
         FROM audit_event
        WHERE type = $1 AND occurred_at >= $2 AND occurred_at < $3
        GROUP BY 1, 2
        ORDER BY 1, 2`,
      [eventType, from, to],
    );
    return rows.map((r) => ({ day: r.day, decision: r.decision, count: Number(r.count) }));
  }

  /** The `limit` most frequent reasons of refused fields in events of `eventType` in [from, to). */
  async topDenialReasons(
    eventType: string,
    from: Date,
    to: Date,
    limit: number,
  ): Promise<DenialReasonCountRow[]> {
    const rows = await this.dataSource.query<{ reason: string; count: number }[]>(
      `SELECT f->>'reason' AS reason, count(*)::int AS count
         FROM audit_event e, jsonb_array_elements(e.payload->'fields') AS f
        WHERE e.type = $1 AND e.occurred_at >= $2 AND e.occurred_at < $3
          AND (f->>'allowed')::boolean = false
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $4`,
      [eventType, from, to, limit],
    );
    return rows.map((r) => ({ reason: r.reason, count: Number(r.count) }));
  }

  private async removalEvidence(
    m: EntityManager,
    keptOutside: { id: number; headSeq: number; headHash: string; signature: string } | null,
  ): Promise<CheckpointRemovalEvidence | null> {
    const [row] = await m.query<
      {
        issued: string | null;
        held: string;
        first_gap: string | null;
        cited_id: string | null;
        cited_seq: string | null;
      }[]
    >(
      `WITH issued AS (
         SELECT s.last_value AS n FROM pg_sequences s
          WHERE format('%I.%I', s.schemaname, s.sequencename) = pg_get_serial_sequence('audit_checkpoint', 'id')
       ),
       gap AS (
         -- The lowest id below the sequence's last value that no row holds.
         SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM audit_checkpoint WHERE id = 1) THEN 1
                     ELSE (SELECT min(c.id) + 1 FROM audit_checkpoint c
                            WHERE NOT EXISTS (SELECT 1 FROM audit_checkpoint d WHERE d.id = c.id + 1)) END AS id
       ),
       cited AS (
         SELECT (e.payload->>'upToId')::numeric::bigint AS id, e.seq
           FROM audit_event e
          WHERE e.type = 'audit.checkpoints_exported' AND jsonb_typeof(e.payload->'upToId') = 'number'
       ),
       cited_missing AS (
         SELECT x.id, x.seq FROM cited x
          WHERE x.id > 0 AND NOT EXISTS (SELECT 1 FROM audit_checkpoint c WHERE c.id = x.id)
          ORDER BY x.id, x.seq LIMIT 1
       )
       SELECT (SELECT n FROM issued) AS issued,
              (SELECT count(*) FROM audit_checkpoint) AS held,
              CASE WHEN (SELECT id FROM gap) <= (SELECT n FROM issued) THEN (SELECT id FROM gap) END AS first_gap,
              (SELECT id FROM cited_missing) AS cited_id,
              (SELECT seq FROM cited_missing) AS cited_seq`,
    );
    const gapId = row.first_gap === null ? null : Number(row.first_gap);
    const citedId = row.cited_id === null ? null : Number(row.cited_id);
    let keptId: number | null = null;
    if (keptOutside) {
      const held = await m.query<unknown[]>(
        `SELECT 1 FROM audit_checkpoint WHERE id = $1 AND head_seq = $2 AND head_hash = $3 AND signature = $4`,
        [keptOutside.id, keptOutside.headSeq, keptOutside.headHash, keptOutside.signature],
      );
      if (held.length === 0) keptId = keptOutside.id;
    }
    if (gapId === null && citedId === null && keptId === null) return null;
    const firstMissingId = Math.min(gapId ?? Infinity, citedId ?? Infinity, keptId ?? Infinity);
    const [before] = await m.query<{ sealed: string | null }[]>(
      'SELECT max(head_seq) AS sealed FROM audit_checkpoint WHERE id < $1',
      [firstMissingId],
    );
    return {
      firstMissingId,
      issued: row.issued === null ? null : Number(row.issued),
      held: Number(row.held),
      citedBySeq: citedId === firstMissingId && row.cited_seq !== null ? Number(row.cited_seq) : null,
      keptOutside: keptId === firstMissingId,
      sealedBefore: before.sealed === null ? 0 : Number(before.sealed),
    };
  }
}

function toCheckpoint(row: CheckpointRow): AuditCheckpointRecord {
  return {
    id: Number(row.id),
    headSeq: Number(row.head_seq),
    headHash: row.head_hash,
    signedAt: row.signed_at.toISOString(),
    keyId: row.key_id,
    signature: row.signature,
  };
}
