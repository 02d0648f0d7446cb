import {
  activePurpose,
  crmRegister,
  mailerProcessor,
  registerWithProcessors,
} from '../../../test/factories/register-document.factory';
import { stableJson } from './register-document';
import { diffRegister } from './register-diff';

describe('register diff', () => {
  it('diffs created, changed and retired entries per kind', () => {
    const current = crmRegister(
      [activePurpose('a'), activePurpose('b')],
      [
        { column: 'email', dataCategory: 'contact', purposes: [{ purpose: 'a', actions: ['read'] }] },
        { column: 'phone', dataCategory: 'contact' },
      ],
    );
    const next = crmRegister(
      [activePurpose('a'), activePurpose('c')],
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

  it('diffs processors like the other kinds', () => {
    const changed = { ...mailerProcessor, agreement: { signedOn: '2025-01-15' } };
    expect(
      diffRegister(registerWithProcessors([changed]), registerWithProcessors([mailerProcessor])).processors,
    ).toEqual({
      created: [],
      changed: ['mailer'],
      retired: [],
    });
    expect(
      diffRegister(registerWithProcessors([]), registerWithProcessors([mailerProcessor])).processors.retired,
    ).toEqual(['mailer']);
  });
});
