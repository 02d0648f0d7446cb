import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../database/transaction';

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

/** SQL of the audit module's integrity reads (issue 12: one repository per module; more to move here). */
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
