import { activePurpose, crmRegister } from '../../../test/factories/register-document.factory';
import { parentsFirst } from './register-document';

describe('register document', () => {
  it('is canonical: order, nulls and nested key order do not matter', () => {
    const a = crmRegister(
      [activePurpose('b'), activePurpose('a', { description: null })],
      [
        { column: 'z', dataCategory: 'contact', purposes: [{ purpose: 'b', actions: ['write', 'read'] }] },
        { column: 'a', dataCategory: 'contact' },
      ],
    );
    const b = crmRegister(
      [activePurpose('a', { controller: { contact: 'dpo@acme.example', name: 'ACME' } }), activePurpose('b')],
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

  it('orders purposes parents first, whatever their codes', () => {
    const ordered = parentsFirst(
      crmRegister(
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
