import {
  canonicalRegister,
  diffRegister,
  parentsFirst,
  RegisterDocument,
  stableJson,
  validateRegister,
} from './register-document';

const active = (code: string, over: Record<string, unknown> = {}) => ({
  code,
  name: code,
  status: 'active',
  legalBasis: 'contract',
  controller: { name: 'ACME', contact: 'dpo@acme.example' },
  dataSubjectCategories: ['customers'],
  retention: { duration: 'P1Y', trigger: 'collection' },
  ...over,
});

const doc = (purposes: unknown[], fields: unknown[]): RegisterDocument =>
  canonicalRegister({
    purposes,
    systems: [
      {
        code: 'crm',
        name: 'CRM',
        kind: 'manual',
        datasets: [{ name: 'public.customers', primaryKey: ['id'], fields }],
      },
    ],
  });
const empty = canonicalRegister({});

describe('register document', () => {
  it('is canonical: order, nulls and nested key order do not matter', () => {
    const a = doc(
      [active('b'), active('a', { description: null })],
      [
        { column: 'z', dataCategory: 'contact', purposes: [{ purpose: 'b', actions: ['write', 'read'] }] },
        { column: 'a', dataCategory: 'contact' },
      ],
    );
    const b = doc(
      [active('a', { controller: { contact: 'dpo@acme.example', name: 'ACME' } }), active('b')],
      [
        { column: 'a', dataCategory: 'contact', purposes: [] },
        {
          column: 'z',
          dataCategory: 'contact',
          purposes: [{ purpose: 'b', actions: ['read', 'write'], appliesToSubPurposes: false }],
        },
      ],
    );
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.purposes.map((p) => p.code)).toEqual(['a', 'b']);
    expect(Object.keys(a.purposes[0])).toEqual([
      'code',
      'name',
      'status',
      'legalBasis',
      'controller',
      'dataSubjectCategories',
      'retention',
    ]);
  });

  it('accepts a coherent document', () => {
    const d = doc(
      [active('care', { specialCategoryCondition: 'explicit_consent' })],
      [{ column: 'diagnosis', dataCategory: 'health', purposes: [{ purpose: 'care', actions: ['read'] }] }],
    );
    expect(validateRegister(d, empty)).toEqual([]);
  });

  it('inherits the art. 9(2) condition from a parent purpose', () => {
    const d = doc(
      [
        active('care', { specialCategoryCondition: 'explicit_consent' }),
        { code: 'care.triage', name: 't', parentCode: 'care', status: 'active' },
      ],
      [
        {
          column: 'diagnosis',
          dataCategory: 'health',
          purposes: [{ purpose: 'care.triage', actions: ['read'] }],
        },
      ],
    );
    expect(validateRegister(d, empty)).toEqual([]);
  });

  it('lists every problem with its path', () => {
    const d = doc(
      [active('sales'), active('sales'), { code: 'orphan', name: 'o', parentCode: 'ghost', status: 'draft' }],
      [
        { column: 'diagnosis', dataCategory: 'health', purposes: [{ purpose: 'sales', actions: ['read'] }] },
        { column: 'email', dataCategory: 'contact', purposes: [{ purpose: 'nope', actions: ['read'] }] },
        { column: 'email', dataCategory: 'contact', anonymisation: { strategy: 'fixed' } },
      ],
    );
    expect(validateRegister(d, empty).map((p) => p.path)).toEqual([
      'purposes[sales]',
      'purposes[orphan].parentCode',
      'systems[crm].datasets[public.customers].fields[diagnosis].purposes[0]',
      'systems[crm].datasets[public.customers].fields[email].purposes[0]',
      'systems[crm].datasets[public.customers].fields[email]',
      'systems[crm].datasets[public.customers].fields[email].anonymisation',
    ]);
  });

  it('keeps retired purposes frozen and refuses sending an active one back to draft', () => {
    const current = doc([active('a'), active('b', { status: 'retired' })], []);
    const next = doc(
      [active('a', { status: 'draft' }), active('b', { status: 'retired', name: 'renamed' })],
      [],
    );
    expect(validateRegister(next, current).map((p) => p.path)).toEqual(['purposes[a].status', 'purposes[b]']);
  });

  it('imports bindings to a purpose the document retires, but never adds one to a purpose already retired', () => {
    const bound = (purpose: string) => [
      { column: 'email', dataCategory: 'contact', purposes: [{ purpose, actions: ['read'] }] },
    ];
    // An export of another instance: the purpose was retired after the field was bound to it.
    const exported = doc([active('old', { status: 'retired' })], bound('old'));
    expect(validateRegister(exported, empty)).toEqual([]);
    // This import retires it: the binding it had (or is given in the same document) stays.
    expect(validateRegister(exported, doc([active('old')], bound('old')))).toEqual([]);
    expect(validateRegister(exported, doc([active('old')], []))).toEqual([]);
    // Already retired in the register: it keeps its bindings, but gains none.
    expect(validateRegister(exported, exported)).toEqual([]);
    const gained = validateRegister(exported, doc([active('old', { status: 'retired' })], []));
    expect(gained).toEqual([
      {
        path: 'systems[crm].datasets[public.customers].fields[email].purposes[0]',
        message: 'purpose "old" is retired: no new field can be bound to it',
      },
    ]);
  });

  it('diffs created, changed and retired entries per kind', () => {
    const current = doc(
      [active('a'), active('b')],
      [
        { column: 'email', dataCategory: 'contact', purposes: [{ purpose: 'a', actions: ['read'] }] },
        { column: 'phone', dataCategory: 'contact' },
      ],
    );
    const next = doc(
      [active('a'), active('c')],
      [
        {
          column: 'email',
          dataCategory: 'contact',
          purposes: [{ purpose: 'a', actions: ['read', 'export'] }],
        },
        { column: 'fax', dataCategory: 'contact' },
      ],
    );
    expect(diffRegister(next, current)).toEqual({
      processors: { created: [], changed: [], retired: [] },
      purposes: { created: ['c'], changed: [], retired: ['b'] },
      systems: { created: [], changed: [], retired: [] },
      datasets: { created: [], changed: [], retired: [] },
      fields: {
        created: ['crm.customers.fax'],
        changed: ['crm.customers.email'],
        retired: ['crm.customers.phone'],
      },
    });
    expect(stableJson(diffRegister(current, current))).toBe(
      stableJson({
        processors: { created: [], changed: [], retired: [] },
        purposes: { created: [], changed: [], retired: [] },
        systems: { created: [], changed: [], retired: [] },
        datasets: { created: [], changed: [], retired: [] },
        fields: { created: [], changed: [], retired: [] },
      }),
    );
  });

  it('orders purposes parents first, whatever their codes', () => {
    const ordered = parentsFirst(
      doc(
        [
          { code: 'a', name: 'x', parentCode: 'm', status: 'draft' },
          { code: 'm', name: 'x', parentCode: 'z', status: 'draft' },
          { code: 'z', name: 'x', status: 'draft' },
        ],
        [],
      ).purposes,
    );
    expect(ordered.map((p) => p.code)).toEqual(['z', 'm', 'a']);
  });
});

describe('register document: processors', () => {
  const mailer = {
    code: 'mailer',
    name: 'Mailer SAS',
    country: 'FR',
    processingLocations: [{ country: 'US', mechanism: 'standard_contractual_clauses', reference: 'SCC' }],
  };
  const withProcessors = (processors: unknown[], systemProcessor?: string, recipientProcessors?: string[]) =>
    canonicalRegister({
      processors,
      purposes: [
        {
          code: 'news',
          name: 'News',
          status: 'draft',
          legalBasis: 'consent',
          ...(recipientProcessors ? { recipientProcessors } : {}),
        },
      ],
      systems: [{ code: 'crm', name: 'CRM', kind: 'manual', processorCode: systemProcessor, datasets: [] }],
    });

  it('refuses a system or a purpose naming a processor the document does not hold', () => {
    const problems = validateRegister(withProcessors([], 'mailer', ['ghost']), canonicalRegister({}));
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'systems[crm].processorCode', message: 'processor "mailer" is not in the document' },
        {
          path: 'purposes[news].recipientProcessors[0]',
          message: 'processor "ghost" is not in the document',
        },
      ]),
    );
    expect(validateRegister(withProcessors([mailer], 'mailer', ['mailer']), canonicalRegister({}))).toEqual(
      [],
    );
  });

  it('applies the processor rules and diffs processors like the other kinds', () => {
    const wrong = {
      ...mailer,
      processingLocations: [{ country: 'DE', mechanism: 'binding_corporate_rules' }],
    };
    expect(validateRegister(withProcessors([wrong]), canonicalRegister({}))).toEqual([
      {
        path: 'processors[mailer].processingLocations[0].mechanism',
        message: 'DE is in the EEA: no transfer mechanism applies there',
      },
    ]);
    const changed = { ...mailer, agreement: { signedOn: '2025-01-15' } };
    expect(diffRegister(withProcessors([changed]), withProcessors([mailer])).processors).toEqual({
      created: [],
      changed: ['mailer'],
      retired: [],
    });
    expect(diffRegister(withProcessors([]), withProcessors([mailer])).processors.retired).toEqual(['mailer']);
  });
});
