import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Action } from './action.enum';
import {
  AUTHORISATION_MATRIX_PATH,
  cellFor,
  describeConditions,
  renderAuthorisationMatrix,
} from './authorisation-matrix';
import { Role } from './role.enum';

describe('authorisation matrix document', () => {
  it('is up to date with the rule table (run `npm run docs:matrix` when this fails)', () => {
    const committed = readFileSync(join(__dirname, '..', '..', AUTHORISATION_MATRIX_PATH), 'utf8');
    expect(committed).toBe(renderAuthorisationMatrix());
  });

  it('renders grants, wildcard subjects and record-level conditions', () => {
    expect(cellFor(Role.Admin, 'Principal')).toBe(Action.Manage);
    expect(cellFor(Role.Admin, 'Purpose')).toBe('—');
    expect(cellFor(Role.Auditor, 'LegalHold')).toBe('read'); // from `read all`
    expect(cellFor(Role.Application, 'Purpose')).toBe('read (code ∈ its authorised purposes)');
    expect(cellFor(Role.Application, 'AccessDecision')).toBe(
      'execute check (purpose ∈ its authorised purposes); execute archive (purpose ∈ its purposes granted archive access)',
    );
    expect(cellFor(Role.Dpo, 'AccessDecision')).toBe('read; execute explain');
  });

  it('describes conditions in words', () => {
    expect(describeConditions({ mode: 'check', purpose: { $in: '$purposeCodes' } })).toBe(
      'mode = check, purpose ∈ its authorised purposes',
    );
  });
});
