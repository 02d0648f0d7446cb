import type { RetentionRunResponseDto } from '../../src/modules/retention/dto/retention-run.dto';
import { Role } from '../../src/policies/role.enum';
import { createCrm, Crm, CustomerRow, insertCustomers, registerCrm } from './crm-fixture';
import { waitForRun } from './retention-run-polling';
import { queryRows } from './test-database';
import { startTestApp, TestApp } from './test-app';

const DAY = 1;
const YEAR = 365 * DAY;

/**
 * The retention engine suites' set-up (retention.e2e-spec.ts: time purges and holds;
 * retention-runs.e2e-spec.ts: erasure, consent, refused names, schedules and the other executors):
 * the app, a real CRM database and its register, and the probes both suites read them with.
 */

/** The CRM's customers, each in a different situation on the day the suite starts. */
export const RETENTION_CUSTOMERS: CustomerRow[] = [
  { id: 1, ref: 'cust-A', createdDaysAgo: YEAR, lastInteractionDaysAgo: 180 }, // every purpose lasts
  { id: 2, ref: 'cust-B', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: 2 * YEAR }, // support over
  { id: 3, ref: 'cust-C', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: 4 * YEAR }, // all over
  { id: 4, ref: 'cust-D', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: null }, // undated
  { id: 5, ref: 'cust-E', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: 4 * YEAR }, // held
  { id: 6, ref: 'cust-F', createdDaysAgo: 12 * YEAR, lastInteractionDaysAgo: 2 * YEAR }, // withdraws
  { id: 7, ref: 'cust-G', createdDaysAgo: 100, lastInteractionDaysAgo: 10 }, // asks for erasure
];

/** A customer row as the suites read it back. */
export type CustomerView = { id: string; email: string | null; name: string | null; postcode: string | null };

export interface RetentionSuite {
  t: TestApp;
  crm: Crm;
  /** The CRM's `public.customers` dataset in the register (system `crm`, a postgres executor). */
  datasetId: string;
  /** The CRM's customers as they are now, by id. */
  customers(): Promise<Map<number, CustomerView>>;
  /** Starts a run as the DPO (202, queued or under way) and polls it until it ends. */
  runAndWait(body: Record<string, unknown>): Promise<RetentionRunResponseDto>;
  /** One query straight in Finalité's own database. */
  finalite<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Stops the app and drops both databases. */
  close(): Promise<void>;
}

/**
 * The app (scheduler off, batches of 2, quick webhook retries), the CRM holding `rows`, and the
 * CRM registered with its three purposes and fields (registerCrm). Whatever was started is
 * stopped again if a step fails.
 */
export async function startRetentionSuite(rows: CustomerRow[]): Promise<RetentionSuite> {
  const t = await startTestApp({
    env: { RETENTION_SCHEDULER: 'off', RETENTION_BATCH_SIZE: '2', RETENTION_WEBHOOK_BACKOFF_MS: '50' },
  });
  let crm: Crm | undefined;
  try {
    crm = await createCrm('retention');
    await insertCustomers(crm, rows);
    const { datasetId } = await registerCrm(t, crm);
    return retentionSuite(t, crm, datasetId);
  } catch (e) {
    await t.close();
    await crm?.close();
    throw e;
  }
}

function retentionSuite(t: TestApp, crm: Crm, datasetId: string): RetentionSuite {
  return {
    t,
    crm,
    datasetId,
    customers: async () =>
      new Map(
        (await crm.query<CustomerView>('SELECT id, email, name, postcode FROM customers ORDER BY id')).map(
          (r) => [Number(r.id), r],
        ),
      ),
    runAndWait: async (body) => {
      const created = await t.as(Role.Dpo).post('/retention/runs').send(body).expect(202);
      expect(created.body.status).toMatch(/queued|running|completed/);
      return waitForRun(t, created.body.id as string);
    },
    finalite: (text, params = []) => queryRows(t.databaseUrl!, text, params),
    close: async () => {
      await t.close();
      await crm.close();
    },
  };
}
