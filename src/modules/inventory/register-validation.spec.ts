import {
  activePurpose,
  crmRegister,
  emptyRegister,
  mailerProcessor,
  registerWithProcessors,
} from '../../../test/factories/register-document.factory';
import { canonicalRegister } from './register-document';
import { validateRegister } from './register-validation';

describe('register validation', () => {
  it('accepts a coherent document', () => {
    const d = crmRegister(
      [activePurpose('care', { specialCategoryCondition: 'explicit_consent' })],
      [{ column: 'diagnosis', dataCategory: 'health', purposes: [{ purpose: 'care', actions: ['read'] }] }],
    );
    expect(validateRegister(d, emptyRegister)).toEqual([]);
  });

  it('inherits the art. 9(2) condition from a parent purpose', () => {
    const d = crmRegister(
      [
        activePurpose('care', { specialCategoryCondition: 'explicit_consent' }),
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
    expect(validateRegister(d, emptyRegister)).toEqual([]);
  });

  it('lists every problem with its path', () => {
    const d = crmRegister(
      [
        activePurpose('sales'),
        activePurpose('sales'),
        { code: 'orphan', name: 'o', parentCode: 'ghost', status: 'draft' },
      ],
      [
        { column: 'diagnosis', dataCategory: 'health', purposes: [{ purpose: 'sales', actions: ['read'] }] },
        { column: 'email', dataCategory: 'contact', purposes: [{ purpose: 'nope', actions: ['read'] }] },
        { column: 'email', dataCategory: 'contact', anonymisation: { strategy: 'fixed' } },
      ],
    );
    expect(validateRegister(d, emptyRegister).map((p) => p.path)).toEqual([
      'purposes[sales]',
      'purposes[orphan].parentCode',
      'systems[crm].datasets[public.customers].fields[diagnosis].purposes[0]',
      'systems[crm].datasets[public.customers].fields[email].purposes[0]',
      'systems[crm].datasets[public.customers].fields[email]',
      'systems[crm].datasets[public.customers].fields[email].anonymisation',
    ]);
  });

  it('keeps retired purposes frozen and refuses sending an active one back to draft', () => {
    const current = crmRegister([activePurpose('a'), activePurpose('b', { status: 'retired' })], []);
    const next = crmRegister(
      [activePurpose('a', { status: 'draft' }), activePurpose('b', { status: 'retired', name: 'renamed' })],
      [],
    );
    expect(validateRegister(next, current).map((p) => p.path)).toEqual(['purposes[a].status', 'purposes[b]']);
  });

  it('imports bindings to a purpose the document retires, but never adds one to a purpose already retired', () => {
    const bound = (purpose: string) => [
      { column: 'email', dataCategory: 'contact', purposes: [{ purpose, actions: ['read'] }] },
    ];
    // An export of another instance: the purpose was retired after the field was bound to it.
    const exported = crmRegister([activePurpose('old', { status: 'retired' })], bound('old'));
    expect(validateRegister(exported, emptyRegister)).toEqual([]);
    // This import retires it: the binding it had (or is given in the same document) stays.
    expect(validateRegister(exported, crmRegister([activePurpose('old')], bound('old')))).toEqual([]);
    expect(validateRegister(exported, crmRegister([activePurpose('old')], []))).toEqual([]);
    // Already retired in the register: it keeps its bindings, but gains none.
    expect(validateRegister(exported, exported)).toEqual([]);
    const gained = validateRegister(exported, crmRegister([activePurpose('old', { status: 'retired' })], []));
    expect(gained).toEqual([
      {
        path: 'systems[crm].datasets[public.customers].fields[email].purposes[0]',
        message: 'purpose "old" is retired: no new field can be bound to it',
      },
    ]);
  });
});

describe('register validation: processors', () => {
  it('refuses a system or a purpose naming a processor the document does not hold', () => {
    const problems = validateRegister(registerWithProcessors([], 'mailer', ['ghost']), canonicalRegister({}));
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'systems[crm].processorCode', message: 'processor "mailer" is not in the document' },
        {
          path: 'purposes[news].recipientProcessors[0]',
          message: 'processor "ghost" is not in the document',
        },
      ]),
    );
    expect(
      validateRegister(
        registerWithProcessors([mailerProcessor], 'mailer', ['mailer']),
        canonicalRegister({}),
      ),
    ).toEqual([]);
  });

  it('applies the processor rules', () => {
    const wrong = {
      ...mailerProcessor,
      processingLocations: [{ country: 'DE', mechanism: 'binding_corporate_rules' }],
    };
    expect(validateRegister(registerWithProcessors([wrong]), canonicalRegister({}))).toEqual([
      {
        path: 'processors[mailer].processingLocations[0].mechanism',
        message: 'DE is in the EEA: no transfer mechanism applies there',
      },
    ]);
  });
});
