import { parse, stringify } from 'yaml';
import { Role } from '../../src/policies/role.enum';
import { crmRegisterDocument } from '../factories/inventory.factory';
import { connectTo } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form YAML documents edited by the tests
type Doc = Record<string, any>;

describe('Register as code: export and all-or-nothing import (PostgreSQL)', () => {
  let t: TestApp;
  const dpo = () => t.as(Role.Dpo);
  const yamlImport = (app: TestApp, doc: unknown, dryRun = false) =>
    app
      .as(Role.Dpo)
      .post('/register/import')
      .query({ dryRun: String(dryRun) })
      .set('Content-Type', 'application/yaml')
      .send(typeof doc === 'string' ? doc : stringify(doc));
  const exportYaml = async (app: TestApp) => {
    const res = await app.as(Role.Dpo).get('/register/export').query({ format: 'yaml' }).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/yaml/);
    return res.text;
  };
  const auditCount = async () => {
    const db = await connectTo(t.databaseUrl!);
    try {
      return Number((await db.query(`SELECT count(*) AS n FROM audit_event`)).rows[0].n);
    } finally {
      await db.end();
    }
  };

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('dry-runs an import: returns the diff and writes nothing', async () => {
    const before = await auditCount();
    const res = await yamlImport(t, crmRegisterDocument(), true).expect(200);
    expect(res.body).toMatchObject({ dryRun: true, applied: false });
    expect(res.body.diff.purposes).toEqual({
      created: ['marketing.newsletter', 'sales.orders', 'support.care'],
      changed: [],
      retired: [],
    });
    expect(res.body.diff.systems.created).toEqual(['crm']);
    expect(res.body.diff.datasets.created).toEqual(['crm/billing.invoices', 'crm/public.customers']);
    expect(res.body.diff.fields.created).toHaveLength(12);
    expect(res.body.diff.fields.created).toContain('crm.billing.invoices.iban');
    await dpo().get('/systems/crm').expect(404);
    await dpo().get('/purposes/sales.orders').expect(404);
    expect(await auditCount()).toBe(before);
  });

  it('imports a CRM of a dozen fields bound to three purposes from one YAML file', async () => {
    const res = await yamlImport(t, crmRegisterDocument()).expect(200);
    expect(res.body).toMatchObject({ dryRun: false, applied: true });
    expect((await dpo().get('/purposes/support.care').expect(200)).body).toMatchObject({
      status: 'active',
      specialCategoryCondition: 'explicit_consent',
    });
    const fields = await dpo().get('/fields').query({ system: 'crm', limit: '100' }).expect(200);
    expect(fields.body.items).toHaveLength(12);
    const email = await dpo().get('/fields/crm.customers.email').expect(200);
    expect(email.body).toMatchObject({
      purposeCodes: ['marketing.newsletter', 'sales.orders'],
      effectiveRetention: { duration: 'P5Y', purposeCode: 'sales.orders' },
      flags: [],
    });
    expect(email.body.bindings[0]).toMatchObject({
      purposeCode: 'marketing.newsletter',
      appliesToSubPurposes: true,
    });
    const system = await dpo().get('/systems/crm').expect(200);
    expect(system.body).toMatchObject({
      kind: 'postgres',
      hasConnection: false,
      retentionSchedule: '0 3 * * *',
    });

    // Importing the same document again changes nothing.
    const again = await yamlImport(t, crmRegisterDocument()).expect(200);
    expect(again.body.applied).toBe(false);
  });

  it('round-trips: export → import into an empty instance → export gives the same document', async () => {
    const exported = await exportYaml(t);
    const doc = parse(exported) as Doc;
    expect(doc.format).toBe('finalite.register/v1');
    expect(doc.purposes.map((p: Doc) => p.code)).toEqual([
      'marketing.newsletter',
      'sales.orders',
      'support.care',
    ]);
    expect(exported).not.toMatch(/connectionString|webhookSecret|createdAt|version:/);

    const fresh = await startTestApp({ label: 'register_io_fresh' });
    try {
      await yamlImport(fresh, exported).expect(200);
      expect(await exportYaml(fresh)).toBe(exported);
      // JSON carries the same document.
      const json = await fresh.as(Role.Dpo).get('/register/export').query({ format: 'json' }).expect(200);
      expect(json.body).toEqual(doc);
      // And a JSON body imports like a YAML one.
      const jsonImport = await fresh.as(Role.Dpo).post('/register/import').send(json.body).expect(200);
      expect(jsonImport.body.applied).toBe(false);
    } finally {
      await fresh.close();
    }
  });

  it('round-trips a register holding a retired purpose that fields are still bound to', async () => {
    const source = await startTestApp({ label: 'register_io_retired_src' });
    const fresh = await startTestApp({ label: 'register_io_retired_dst' });
    try {
      await yamlImport(source, crmRegisterDocument()).expect(200);
      await source.as(Role.Dpo).post('/purposes/support.care/retire').expect(200);
      const exported = await exportYaml(source);
      const doc = parse(exported) as Doc;
      expect(doc.purposes.find((p: Doc) => p.code === 'support.care').status).toBe('retired');
      const customers = doc.systems[0].datasets.find((d: Doc) => d.name === 'public.customers');
      const healthNotes = customers.fields.find((f: Doc) => f.column === 'health_notes');
      expect(healthNotes.purposes.map((b: Doc) => b.purpose)).toEqual(['support.care']);

      const dry = await yamlImport(fresh, exported, true).expect(200);
      expect(dry.body.diff.purposes.created).toContain('support.care');
      await yamlImport(fresh, exported).expect(200);
      expect(await exportYaml(fresh)).toBe(exported);
      const dpoFresh = () => fresh.as(Role.Dpo);
      expect((await dpoFresh().get('/purposes/support.care').expect(200)).body.status).toBe('retired');
      // Flagged, not refused: nothing justifies the field any more.
      expect((await dpoFresh().get('/fields/crm.customers.health_notes').expect(200)).body).toMatchObject({
        purposeCodes: ['support.care'],
        flags: ['only_retired_purposes'],
        effectiveRetention: null,
      });
      expect((await dpoFresh().get('/fields/crm.customers.phone').expect(200)).body.flags).toEqual([]);

      // Once retired in the register, the purpose still gains no binding through an import.
      const gained = parse(exported) as Doc;
      gained.systems[0].datasets
        .find((d: Doc) => d.name === 'public.customers')
        .fields.find((f: Doc) => f.column === 'first_name')
        .purposes.push({ purpose: 'support.care', actions: ['read'], appliesToSubPurposes: false });
      const refused = await yamlImport(fresh, gained).expect(422);
      expect(refused.body.details).toEqual([
        {
          path: 'systems[crm].datasets[public.customers].fields[first_name].purposes[2]',
          message: 'purpose "support.care" is retired: no new field can be bound to it',
        },
      ]);
      expect(await exportYaml(fresh)).toBe(exported);
    } finally {
      await Promise.all([source.close(), fresh.close()]);
    }
  });

  it('clears an art. 9(2) condition and unbinds the special-category fields in one import', async () => {
    const other = await startTestApp({ label: 'register_io_condition' });
    try {
      await yamlImport(other, crmRegisterDocument()).expect(200);
      const doc = crmRegisterDocument() as Doc;
      const care = doc.purposes.find((p: Doc) => p.code === 'support.care');
      delete care.specialCategoryCondition;
      const keeping = await yamlImport(other, doc).expect(422);
      expect(keeping.body.details).toEqual([
        expect.objectContaining({
          path: 'systems[crm].datasets[public.customers].fields[health_notes].purposes[0]',
          message: expect.stringMatching(/art\. 9\(2\)/),
        }),
      ]);
      // The document as a whole is consistent once the special-category field is unbound.
      doc.systems[0].datasets[1].fields.find((f: Doc) => f.column === 'health_notes').purposes = [];
      const res = await yamlImport(other, doc).expect(200);
      expect(res.body.diff.purposes.changed).toEqual(['support.care']);
      const purpose = await other.as(Role.Dpo).get('/purposes/support.care').expect(200);
      expect(purpose.body.specialCategoryCondition).toBeNull();
      const field = await other.as(Role.Dpo).get('/fields/crm.customers.health_notes').expect(200);
      expect(field.body.flags).toEqual(['unbound']);
    } finally {
      await other.close();
    }
  });

  it('imports the same document into the embedded database (PGlite) with the same result', async () => {
    const exported = await exportYaml(t);
    const embedded = await startTestApp({ database: 'pglite', label: 'register_io_pglite' });
    try {
      const dry = await yamlImport(embedded, exported, true).expect(200);
      expect(dry.body.diff.fields.created).toHaveLength(12);
      await yamlImport(embedded, exported).expect(200);
      expect(await exportYaml(embedded)).toBe(exported);
      const field = await embedded.as(Role.Dpo).get('/fields/crm.customers.health_notes').expect(200);
      expect(field.body).toMatchObject({ special: true, purposeCodes: ['support.care'] });
    } finally {
      await embedded.close();
    }
  });

  it('reports changes, retirements and removals in the diff and applies them together', async () => {
    const doc = crmRegisterDocument() as Doc;
    doc.purposes = doc.purposes.filter((p: Doc) => p.code !== 'support.care');
    const customers = doc.systems[0].datasets[1];
    customers.fields = customers.fields
      .filter((f: Doc) => !['health_notes', 'last_ip'].includes(f.column))
      .map((f: Doc) => (f.column === 'phone' ? { ...f, purposes: [f.purposes[0]] } : f));
    doc.systems[0].owner = 'Customer success';
    const dry = await yamlImport(t, doc, true).expect(200);
    expect(dry.body.diff).toEqual({
      processors: { created: [], changed: [], retired: [] },
      purposes: { created: [], changed: [], retired: ['support.care'] },
      systems: { created: [], changed: ['crm'], retired: [] },
      datasets: { created: [], changed: [], retired: [] },
      fields: {
        created: [],
        changed: ['crm.customers.phone'],
        retired: ['crm.customers.health_notes', 'crm.customers.last_ip'],
      },
    });
    await yamlImport(t, doc).expect(200);
    expect((await dpo().get('/purposes/support.care').expect(200)).body.status).toBe('retired');
    await dpo().get('/fields/crm.customers.health_notes').expect(404);
    expect((await dpo().get('/fields/crm.customers.phone').expect(200)).body.purposeCodes).toEqual([
      'sales.orders',
    ]);
    const exported = parse(await exportYaml(t)) as Doc;
    expect(exported.purposes.find((p: Doc) => p.code === 'support.care').status).toBe('retired');

    const db = await connectTo(t.databaseUrl!);
    try {
      const imported = await db.query(
        `SELECT payload FROM audit_event WHERE type = 'register.imported' ORDER BY seq`,
      );
      expect(imported.rows).toHaveLength(2);
      expect(imported.rows[1].payload.diff.fields.retired).toEqual([
        'crm.customers.health_notes',
        'crm.customers.last_ip',
      ]);
    } finally {
      await db.end();
    }
  });

  describe('rejects every invalid document with the list of problems, writing nothing', () => {
    let before: string;
    let events: number;
    beforeEach(async () => {
      before = await exportYaml(t);
      events = await auditCount();
    });
    afterEach(async () => {
      expect(await exportYaml(t)).toBe(before);
      expect(await auditCount()).toBe(events);
    });

    const withNewField = (field: Doc, purposes: Doc[] = []) => {
      const doc = parse(before) as Doc;
      doc.purposes.push(...purposes);
      doc.systems[0].datasets[1].fields.push(field);
      return doc;
    };

    it('malformed YAML', async () => {
      const res = await yamlImport(
        t,
        'format: finalite.register/v1\npurposes: [\n  - code: x\nsystems: {',
      ).expect(400);
      expect(res.body.error).toBe('REGISTER_MALFORMED');
      expect(res.body.details[0]).toEqual({
        path: expect.stringMatching(/^line \d+, column \d+$/),
        message: expect.any(String),
      });
    });

    it('a binding to an unknown purpose', async () => {
      const res = await yamlImport(
        t,
        withNewField({
          column: 'nickname',
          dataCategory: 'identity',
          purposes: [{ purpose: 'ghost', actions: ['read'] }],
        }),
      ).expect(422);
      expect(res.body.error).toBe('REGISTER_INVALID');
      expect(res.body.details).toEqual([
        {
          path: 'systems[crm].datasets[public.customers].fields[nickname].purposes[0]',
          message: 'purpose "ghost" is not in the document',
        },
      ]);
    });

    it('duplicate keys', async () => {
      const doc = withNewField({ column: 'email', dataCategory: 'contact' });
      doc.systems.push({ ...doc.systems[0], datasets: [] });
      const res = await yamlImport(t, doc).expect(422);
      expect(res.body.details.map((d: Doc) => d.message).sort()).toEqual([
        'duplicate field key "crm.customers.email"',
        'duplicate system code "crm"',
      ]);
    });

    it('a special-category field bound to a purpose without an art. 9(2) condition', async () => {
      const res = await yamlImport(
        t,
        withNewField({
          column: 'allergies',
          dataCategory: 'health',
          purposes: [{ purpose: 'sales.orders', actions: ['read'] }],
        }),
      ).expect(422);
      expect(res.body.details).toEqual([
        expect.objectContaining({
          path: 'systems[crm].datasets[public.customers].fields[allergies].purposes[0]',
          message: expect.stringMatching(/art\. 9\(2\)/),
        }),
      ]);
    });

    it('several problems at once, each with its path', async () => {
      const doc = withNewField(
        {
          column: 'bad column',
          dataCategory: 'gossip',
          purposes: [{ purpose: 'sales.orders', actions: ['steal'] }],
        },
        [{ code: 'half', name: 'Incomplete', status: 'active' }],
      );
      doc.extra = true;
      const last = `systems.0.datasets.1.fields.${doc.systems[0].datasets[1].fields.length - 1}`;
      const res = await yamlImport(t, doc).expect(422);
      const paths = res.body.details.map((d: Doc) => d.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          'extra',
          `${last}.column`,
          `${last}.dataCategory`,
          `${last}.purposes.0.actions`,
        ]),
      );
    });

    it('an incomplete active purpose, and an active purpose sent back to draft', async () => {
      const doc = parse(before) as Doc;
      doc.purposes.push({ code: 'half', name: 'Incomplete', status: 'active' });
      doc.purposes.find((p: Doc) => p.code === 'sales.orders').status = 'draft';
      const res = await yamlImport(t, doc).expect(422);
      const paths = res.body.details.map((d: Doc) => d.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          'purposes[half].legalBasis',
          'purposes[half].retention',
          'purposes[sales.orders].status',
        ]),
      );
    });

    it('a body that is no register document at all', async () => {
      const res = await dpo()
        .post('/register/import')
        .set('Content-Type', 'application/yaml')
        .send('just text')
        .expect(400);
      expect(res.body.error).toBe('REGISTER_MALFORMED');
    });
  });

  it('lets an auditor export but not import', async () => {
    await t.as(Role.Auditor).get('/register/export').expect(200);
    await t
      .as(Role.Auditor)
      .post('/register/import')
      .set('Content-Type', 'application/yaml')
      .send(stringify(crmRegisterDocument()))
      .expect(403);
    await t.as(Role.Application).get('/register/export').expect(403);
  });
});
