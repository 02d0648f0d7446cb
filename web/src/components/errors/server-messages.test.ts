import { describe, expect, it } from 'vitest';
import { describeError, describeProblem, errorsByField, type Translator } from './server-messages';

/** A catalogue as flat keys, with i18next's {{x}} interpolation. */
function translator(catalogue: Record<string, string>): Translator {
  return {
    exists: (key) => key in catalogue,
    t: (key, options = {}) =>
      catalogue[key].replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
        const value = options[name];
        return typeof value === 'string' ? value : `?${name}`;
      }),
  };
}

const fr = translator({
  'validation.rules.maxLength': 'au plus {{n}} caractères',
  'validation.rules.isEnum': 'une des valeurs : {{values}}',
  'validation.rules.matches': 'format non accepté',
  'validation.byField.code.matches': 'mots en minuscules',
  'validation.register.legitimate_interest_required': 'intérêt légitime à décrire',
  'serverErrors.PURPOSE_VERSION_MISMATCH': 'modifiée par quelqu’un d’autre',
});

describe('describeProblem', () => {
  it('translates each constraint by its rule, quoting the number or the values from the service’s text', () => {
    expect(
      describeProblem(
        {
          property: 'name',
          rules: ['maxLength', 'isEnum'],
          constraints: [
            'name must be shorter than or equal to 300 characters',
            'name must be one of the following values: a, b',
          ],
        },
        fr,
      ),
    ).toEqual(['au plus 300 caractères', 'une des valeurs : a, b']);
  });

  it('prefers the wording for the field, including inside lists and nested objects', () => {
    expect(
      describeProblem({ property: 'code', rules: ['matches'], constraints: ['code must be a slug'] }, fr),
    ).toEqual(['mots en minuscules']);
    expect(
      describeProblem(
        { property: 'dpo.name', rules: ['matches'], constraints: ['name must be printable'] },
        fr,
      ),
    ).toEqual(['format non accepté']);
  });

  it('falls back to the service’s text for an unknown rule, a missing rule list or no translator', () => {
    expect(describeProblem({ property: 'x', rules: ['isShiny'], constraints: ['x must shine'] }, fr)).toEqual(
      ['x must shine'],
    );
    expect(describeProblem({ property: 'x', constraints: ['x is bad'] }, fr)).toEqual(['x is bad']);
    expect(describeProblem({ property: 'x', rules: ['maxLength'], constraints: ['too long 3'] })).toEqual([
      'too long 3',
    ]);
  });

  it('translates a register rule by its code, else keeps its message', () => {
    expect(
      describeProblem(
        { property: 'legitimateInterest', rule: 'legitimate_interest_required', message: 'required (en)' },
        fr,
      ),
    ).toEqual(['intérêt légitime à décrire']);
    expect(
      describeProblem({ property: 'parentCode', rule: 'new_rule', message: 'parent is draft' }, fr),
    ).toEqual(['parent is draft']);
  });
});

describe('errorsByField', () => {
  const fields = ['code', 'name', 'retention.duration', 'recipients', 'legitimateInterest'];

  it('puts register rule violations (message, not constraints) on their field too', () => {
    expect(
      errorsByField(
        [{ property: 'legitimateInterest', rule: 'legitimate_interest_required', message: 'required (en)' }],
        fields,
        fr,
      ),
    ).toEqual({ legitimateInterest: 'intérêt légitime à décrire' });
  });

  it('joins several problems on one field, translated', () => {
    expect(
      errorsByField(
        [
          { property: 'name', rules: ['maxLength'], constraints: ['longer than 300'] },
          { property: 'name', rules: ['isShiny'], constraints: ['name must shine'] },
        ],
        fields,
        fr,
      ),
    ).toEqual({ name: 'au plus 300 caractères; name must shine' });
  });
});

describe('describeError', () => {
  it('translates a known error code, else keeps the service’s message', () => {
    expect(describeError({ error: 'PURPOSE_VERSION_MISMATCH', message: 'stale' }, fr)).toBe(
      'modifiée par quelqu’un d’autre',
    );
    expect(describeError({ error: 'SOMETHING_NEW', message: 'new thing' }, fr)).toBe('new thing');
  });
});
