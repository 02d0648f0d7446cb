import { describe, expect, it } from 'vitest';
import { errorsByField } from './error-fields';

describe('errorsByField', () => {
  const fields = ['code', 'name', 'retention.duration', 'recipients'];

  it('puts each refusal on its field, nested paths on the nearest field the form has', () => {
    expect(
      errorsByField(
        [
          { property: 'code', constraints: ['code must be a slug'] },
          { property: 'retention.duration', constraints: ['not ISO 8601', 'too long'] },
          { property: 'recipients.2', constraints: ['must be a string'] },
        ],
        fields,
      ),
    ).toEqual({
      code: 'code must be a slug',
      'retention.duration': 'not ISO 8601; too long',
      recipients: 'must be a string',
    });
  });

  it('keeps refusals about fields the form lacks, above the form', () => {
    expect(
      errorsByField([{ property: 'jointControllers.0.name', constraints: ['required'] }], fields),
    ).toEqual({
      _form: 'required',
    });
  });

  it('ignores anything that is not a validation detail', () => {
    expect(errorsByField({ unknownPurposeCodes: ['x'] }, fields)).toEqual({});
    expect(errorsByField([{ property: 1 }], fields)).toEqual({});
  });
});
