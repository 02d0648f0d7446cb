import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A tail cut below a signed checkpoint: the table ends at headSeq, a checkpoint sealed sealedSeq. */
export interface AuditTrailCut {
  headSeq: number;
  sealedSeq: number;
}

/**
 * What the database still says about checkpoints that are gone (docs/audit.md, "Removed
 * checkpoints"): the identity sequence issued ids that no row holds, or an
 * audit.checkpoints_exported event cites a checkpoint id that no longer exists.
 */
export interface CheckpointRemovalEvidence {
  /** The lowest checkpoint id proven to have existed and now missing. */
  firstMissingId: number;
  /** Ids the sequence issued (null: unreadable, e.g. no privilege) and checkpoints held. */
  issued: number | null;
  held: number;
  /** Sequence of an audit.checkpoints_exported event citing a missing checkpoint, if any. */
  citedBySeq: number | null;
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
  async checkpointRemovalEvidence(): Promise<CheckpointRemovalEvidence | null> {
    const [row] = await this.dataSource.query<
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
    if (gapId === null && citedId === null) return null;
    const firstMissingId = Math.min(gapId ?? Infinity, citedId ?? Infinity);
    const [before] = await this.dataSource.query<{ sealed: string | null }[]>(
      'SELECT max(head_seq) AS sealed FROM audit_checkpoint WHERE id < $1',
      [firstMissingId],
    );
    return {
      firstMissingId,
      issued: row.issued === null ? null : Number(row.issued),
      held: Number(row.held),
      citedBySeq: citedId === firstMissingId && row.cited_seq !== null ? Number(row.cited_seq) : null,
      sealedBefore: before.sealed === null ? 0 : Number(before.sealed),
    };
  }
}
