import { Client } from 'pg';
import { log } from './log';

const PURPOSES = 60; // every 3rd consent-based
const SYSTEMS = 10;
const DATASETS_PER_SYSTEM = 10;
const COLUMNS_PER_DATASET = 25; // 2,500 fields
export const SUBJECTS = 100_000;

export interface Seeded {
  purposeCodes: string[];
  consentPurposes: string[];
  fieldsByPurpose: Map<string, string[]>;
  fields: number;
  bindings: number;
  consents: number;
  sampleCheck: Record<string, unknown>;
}

/** Bulk SQL: the same rows the API would write, minus the per-row audit (this is a fixture). */
export async function seed(db: Client): Promise<Seeded> {
  const started = Date.now();
  log('seeding the register…');
  await db.query(
    `INSERT INTO purpose (code, name, status, version, legal_basis, controller, data_subject_categories,
                          retention_duration, retention_trigger, activated_at, created_by, updated_by)
     SELECT 'bench.p' || lpad(i::text, 3, '0'), 'Bench purpose ' || i, 'active', 2,
            CASE WHEN i % 3 = 0 THEN 'consent' ELSE 'contract' END,
            '{"name":"ACME SAS"}'::jsonb, '["customers"]'::jsonb, 'P3Y', 'last_interaction', now(), 'bench', 'bench'
       FROM generate_series(1, $1) AS i`,
    [PURPOSES],
  );
  await db.query(
    `INSERT INTO inventory_system (code, name, kind, created_by, updated_by)
     SELECT 'sys' || i, 'System ' || i, 'manual', 'bench', 'bench' FROM generate_series(1, $1) AS i`,
    [SYSTEMS],
  );
  await db.query(
    `INSERT INTO inventory_dataset (system_id, name, primary_key, subject_column)
     SELECT s.id, 'public.t' || d, '["id"]'::jsonb, 'id'
       FROM inventory_system s, generate_series(1, $1) AS d`,
    [DATASETS_PER_SYSTEM],
  );
  await db.query(
    `INSERT INTO personal_field (key, dataset_id, column_name, data_category, special)
     SELECT s.code || '.' || split_part(d.name, '.', 2) || '.c' || c, d.id, 'c' || c,
            CASE WHEN c % 2 = 0 THEN 'contact' ELSE 'identity' END, false
       FROM inventory_dataset d JOIN inventory_system s ON s.id = d.system_id, generate_series(1, $1) AS c`,
    [COLUMNS_PER_DATASET],
  );
  // Each field bound to 2 purposes (read; some with write and an obligation).
  await db.query(
    `INSERT INTO field_purpose (field_id, purpose_code, actions, obligation, applies_to_sub_purposes)
     SELECT f.id, 'bench.p' || lpad((((f.n + k * 17) % $1) + 1)::text, 3, '0'),
            CASE WHEN k = 0 THEN '["read","write"]'::jsonb ELSE '["read"]'::jsonb END,
            CASE WHEN f.n % 5 = 0 THEN 'mask' ELSE NULL END, false
       FROM (SELECT id, row_number() OVER (ORDER BY key) AS n FROM personal_field) f, generate_series(0, 1) AS k`,
    [PURPOSES],
  );
  const consentPurposes = (
    await db.query<{ code: string }>(`SELECT code FROM purpose WHERE legal_basis = 'consent' ORDER BY code`)
  ).rows.map((r) => r.code);
  log(`seeding ${SUBJECTS} subjects with consents…`);
  // Two consent purposes per subject; one subject in 20 has withdrawn the second one.
  await db.query(
    `WITH ev AS (
       INSERT INTO consent_event (subject_id, purpose_code, status, purpose_version, source, proof, occurred_at, recorded_by)
       SELECT 'subject-' || s, ($2::text[])[((s + k) % array_length($2::text[], 1)) + 1],
              CASE WHEN k = 1 AND s % 20 = 0 THEN 'withdrawn' ELSE 'granted' END,
              2, 'bench', '{}'::jsonb, now() - interval '1 day', 'bench'
         FROM generate_series(1, $1) AS s, generate_series(0, 1) AS k
       RETURNING id, subject_id, purpose_code, status, purpose_version, source, occurred_at)
     INSERT INTO consent_state (subject_id, purpose_code, status, purpose_version, source, occurred_at, event_id)
     SELECT subject_id, purpose_code, status, purpose_version, source, occurred_at, id FROM ev`,
    [SUBJECTS, consentPurposes],
  );
  await db.query(
    `INSERT INTO subject_restriction (subject_id, kind, purpose_codes, reason, set_by)
     SELECT 'subject-' || s, 'restriction', NULL, 'bench', 'bench' FROM generate_series(1, $1, 1000) AS s`,
    [SUBJECTS],
  );
  // Tell the running service the register changed (what every register write does).
  await db.query(
    `WITH r AS (UPDATE register_revision SET revision = revision + 1, changed_at = now() WHERE id = 1 RETURNING revision)
     SELECT pg_notify('finalite_register', revision::text) FROM r`,
  );
  await db.query('ANALYZE');

  const bindings = await db.query<{ purpose_code: string; key: string }>(
    `SELECT fp.purpose_code, f.key FROM field_purpose fp JOIN personal_field f ON f.id = fp.field_id`,
  );
  const fieldsByPurpose = new Map<string, string[]>();
  for (const b of bindings.rows) {
    const list = fieldsByPurpose.get(b.purpose_code) ?? [];
    list.push(b.key);
    fieldsByPurpose.set(b.purpose_code, list);
  }
  const count = async (table: string) =>
    Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  const purposeCodes = [...fieldsByPurpose.keys()].sort();
  log(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return {
    purposeCodes,
    consentPurposes,
    fieldsByPurpose,
    fields: await count('personal_field'),
    bindings: bindings.rows.length,
    consents: await count('consent_state'),
    sampleCheck: {
      purpose: purposeCodes[0],
      action: 'read',
      fields: fieldsByPurpose.get(purposeCodes[0])!.slice(0, 1),
    },
  };
}

/** A mix like real traffic: consent purposes with a subject, others with or without one, some denials. */
export function buildChecks(seeded: Seeded, n: number): string[] {
  const bodies: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const consent = i % 2 === 0;
    const purposes = consent ? seeded.consentPurposes : seeded.purposeCodes;
    const purpose = purposes[i % purposes.length];
    const own = seeded.fieldsByPurpose.get(purpose) ?? [];
    const fields = [...own.slice(i % Math.max(1, own.length - 5), (i % Math.max(1, own.length - 5)) + 4)];
    if (i % 10 === 0) fields.push('sys1.t1.not_a_column');
    const subject = `subject-${((i * 7919) % SUBJECTS) + 1}`;
    bodies.push(
      JSON.stringify({
        purpose,
        action: 'read',
        fields,
        ...(consent || i % 3 === 0 ? { subjectId: subject } : {}),
        context: { bench: true, request: i },
      }),
    );
  }
  return bodies;
}
