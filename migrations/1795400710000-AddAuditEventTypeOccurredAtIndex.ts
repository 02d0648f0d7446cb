import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The access summary (GET /reports/access, the consent gap) counts `access.decision` events of a
 * period: `WHERE type = $1 AND occurred_at >= $2 AND occurred_at < $3`. With only (type, seq) and
 * (occurred_at) to choose from, the database reads every decision ever recorded or every event of
 * the period; this index reads exactly the decisions of the period.
 *
 * The trail's guards do not stand in the way: the append-only triggers fire on rows (UPDATE,
 * DELETE, TRUNCATE), and the DDL guard (audit_trail_refuse_alter) refuses changes to the table and
 * its triggers, not a new index on it (nor dropping one). A plain CREATE INDEX runs in the
 * migration's transaction; on a large trail it blocks appends while it builds, so an operator may
 * build it first by hand with CREATE INDEX CONCURRENTLY under the same name (IF NOT EXISTS then
 * skips it; see docs/reports.md).
 */
export class AddAuditEventTypeOccurredAtIndex1795400710000 implements MigrationInterface {
  name = 'AddAuditEventTypeOccurredAtIndex1795400710000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX IF NOT EXISTS audit_event_type_occurred_at_idx ON audit_event (type, occurred_at)`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit_event_type_occurred_at_idx`);
  }
}
