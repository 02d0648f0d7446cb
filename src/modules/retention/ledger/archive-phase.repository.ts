import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ArchiveLedger } from './purge-batch-ledger';

/**
 * The SQL of `subject_archive_phase` (ADR 0052): which subjects' values of a dataset sit in its
 * intermediate archive under which purpose, and until when. Written only inside a purge batch's
 * guarded ledger write (PurgeBatchLedger.record), so exactly once per batch; the access check
 * reads it (issue 15's access side).
 */
@Injectable()
export class ArchivePhaseRepository {
  async apply(m: EntityManager, runId: string, datasetId: string, ledger: ArchiveLedger): Promise<void> {
    if (ledger.cleared.length) {
      // No archived row of the subject left in this dataset: no purpose keeps it archived here.
      await m.query(
        `DELETE FROM subject_archive_phase WHERE dataset_id = $1 AND subject_id = ANY($2::text[])`,
        [datasetId, ledger.cleared],
      );
    }
    const moved = ledger.moved.filter((r) => r.subject !== null);
    if (moved.length === 0 || ledger.purposeIds.length === 0) return;
    // A subject with several rows: the earliest end of the active phase, the latest of the archive.
    await m.query(
      `INSERT INTO subject_archive_phase (purpose_id, subject_id, dataset_id, active_ended_at, archive_until, run_id)
       SELECT p.id, r.subject, $1, min(r.active_ended_at), max(r.archive_until), $2
         FROM unnest($3::uuid[]) AS p(id)
         CROSS JOIN unnest($4::text[], $5::timestamptz[], $6::timestamptz[]) AS r(subject, active_ended_at, archive_until)
        GROUP BY p.id, r.subject
       ON CONFLICT (purpose_id, subject_id, dataset_id) DO UPDATE SET
         active_ended_at = LEAST(subject_archive_phase.active_ended_at, EXCLUDED.active_ended_at),
         archive_until = GREATEST(subject_archive_phase.archive_until, EXCLUDED.archive_until),
         run_id = EXCLUDED.run_id, recorded_at = now()`,
      [
        datasetId,
        runId,
        ledger.purposeIds,
        moved.map((r) => r.subject),
        moved.map((r) => r.activeEndedAt),
        moved.map((r) => r.archiveUntil),
      ],
    );
  }
}
