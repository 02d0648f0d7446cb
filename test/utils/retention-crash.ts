import type { TestApp } from './test-app';
import { queryRows } from './test-database';

/**
 * A crash between a batch's customer COMMIT and its record in Finalité, made real in Finalité's
 * database: while armed, a trigger refuses to mark a batch committed, as if the worker died
 * before it. Disarm in a `finally`: the trigger outlives the test otherwise.
 */
export const crashBeforeBatchRecord = {
  arm: async (t: TestApp): Promise<void> => {
    await queryRows(
      t.databaseUrl!,
      `CREATE OR REPLACE FUNCTION test_crash_before_record() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'simulated crash before the batch is recorded'; END $$;
       CREATE TRIGGER test_crash_before_record BEFORE UPDATE ON purge_batch FOR EACH ROW
         WHEN (NEW.state = 'committed') EXECUTE FUNCTION test_crash_before_record();`,
    );
  },
  /** The worker is back: recording works again. */
  disarm: async (t: TestApp): Promise<void> => {
    await queryRows(t.databaseUrl!, `DROP TRIGGER IF EXISTS test_crash_before_record ON purge_batch`);
  },
};
