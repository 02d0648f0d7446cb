import type { PurgeInputs } from '../../purge-inputs.reader';
import type { DatasetRule } from '../../retention-rule';
import { buildClearedSubjects } from './archive-sql';
import { BatchChanges, batchChanges } from './batch-changes-sql';
import { buildBatchRead } from './batch-read-sql';
import { rowFlags } from './row-flags-sql';
import type { SqlStatement, TableFacts } from './sql-builder';

/**
 * Builds the SQL of a purge batch for one dataset: its read (batch-read-sql.ts, which also builds
 * the dry run's), then its changes (batch-changes-sql.ts), from the same per-row tests
 * (row-flags-sql.ts). Identifiers come only from the registered dataset, are re-checked and
 * quoted; every value is a parameter. Pure: unit-tested without a database
 * (purge-batch-sql.spec.ts).
 */

/**
 * A purge batch: one read, then the changes over the key range it found, in one short customer
 * transaction (PostgresCustomerDatabase.readBatch and applyBatch, customer-database.ts).
 */
export interface PurgeBatch {
  /** What each count of the read's `kept` array is for (`constraint:<name>`, `field:<key>`). */
  keptLabels: string[];
  /**
   * Reads the next `batchSize` rows after the cursor (an index range scan): scanned, due_deleted,
   * due_anonymised, held, undated, kept, first_key, last_key and archive_due. It runs read only,
   * ahead of the batch's transaction (ADR 0034 "Read ahead").
   */
  read: SqlStatement;
  /**
   * The DELETE and UPDATE over the key range the read returned (`first_key ≤ key ≤ last_key`, the
   * keys as parameters), each with the held and due tests as its own WHERE clause: only rows that
   * are due and not held on the version they change are touched, and a row changed concurrently
   * is re-checked on its latest version (READ COMMITTED). Top-level statements counted by their
   * affected rows (RETURNING would fetch every deleted row again). A statement the read found
   * nothing for is left out.
   */
  changes: BatchChanges;
  /**
   * Of the subjects whose archived rows a batch deleted, those with none left (ADR 0052); absent
   * when the dataset has no archive table or no subject column.
   */
  cleared?: (subjects: string[]) => SqlStatement;
}

/**
 * One purge batch. Rows whose every field is due are deleted, rows with some due fields have
 * those anonymised; held rows are counted, never touched; deleted and anonymised are what the
 * statements changed (affected rows). The next cursor is the batch's last key.
 */
export function buildPurgeBatch(
  rule: DatasetRule,
  table: TableFacts,
  inputs: PurgeInputs,
  cursor: string[] | null,
): PurgeBatch {
  const flags = rowFlags(rule, table, inputs);
  const { read, keptLabels } = buildBatchRead(rule, flags, cursor);
  const changes = batchChanges(rule, table, inputs, flags.archive !== null);
  const cleared =
    rule.archive?.schema && rule.subjectColumn
      ? (subjects: string[]) => buildClearedSubjects(rule, subjects)
      : undefined;
  return { read, changes, keptLabels, cleared };
}
