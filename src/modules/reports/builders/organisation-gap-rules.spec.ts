import { GapCode, GapSeverity } from './compliance-gap';
import { organisationGaps } from './organisation-gap-rules';

describe('organisationGaps', () => {
  const org = (overrides = {}) => ({
    name: 'ACME SAS',
    address: '12 rue de la Paix, Paris',
    contact: 'privacy@acme.example',
    establishedInEu: true,
    dpo: { name: 'Claire Martin', contact: 'dpo@acme.example' },
    representative: null,
    version: 1,
    updatedAt: '2026-11-30T09:00:00.000Z',
    ...overrides,
  });

  it('finds nothing in a complete declaration of an EU controller', () => {
    expect(organisationGaps(org(), 'en')).toEqual([]);
  });

  it('reports an undeclared organisation once, linking to the route that fixes it', () => {
    expect(organisationGaps(null, 'fr')).toEqual([
      expect.objectContaining({
        code: GapCode.OrganisationNotDeclared,
        severity: GapSeverity.Medium,
        link: '/register/organisation',
        object: { type: 'organisation', id: 'controller' },
      }),
    ]);
  });

  it('reports a missing DPO contact and, outside the EU only, a missing representative', () => {
    expect(organisationGaps(org({ dpo: null }), 'en').map((g) => g.code)).toEqual([
      GapCode.DpoContactMissing,
    ]);
    expect(organisationGaps(org({ establishedInEu: false }), 'en').map((g) => g.code)).toEqual([
      GapCode.EuRepresentativeMissing,
    ]);
    expect(
      organisationGaps(
        org({ establishedInEu: false, representative: { name: 'ACME EU', contact: 'eu@acme.example' } }),
        'en',
      ),
    ).toEqual([]);
  });
});
