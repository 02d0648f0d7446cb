import { ValidationPipe } from '@nestjs/common';
import { createValidationPipe } from '../../../common/errors/validation';
import { AccessCheckDto, isPlainlyValidAccessCheck } from './access-check.dto';

/** The usual pipe without the fast path: what the fast path must agree with. */
const reference = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  transformOptions: { enableImplicitConversion: false },
});
const body = { type: 'body' as const, metatype: AccessCheckDto, data: '' };

const valid = {
  purpose: 'marketing.newsletter',
  action: 'read',
  fields: ['crm.customers.email', 'crm.customers.name'],
  subjectId: 'customer-42',
  context: { screen: 'composer', nested: { list: [1, 'two', null, true] } },
};

const variants: [string, unknown][] = [
  ['valid', valid],
  ['minimal', { purpose: 'p', action: 'read', fields: ['a.b.c'] }],
  ['unknown property', { ...valid, extra: 1 }],
  ['purpose too long', { ...valid, purpose: 'a'.repeat(101) }],
  ['purpose bad', { ...valid, purpose: 'Marketing' }],
  ['purpose number', { ...valid, purpose: 42 }],
  ['action bad', { ...valid, action: 'Read' }],
  ['action long', { ...valid, action: 'r'.repeat(51) }],
  ['fields empty', { ...valid, fields: [] }],
  ['fields not array', { ...valid, fields: 'a' }],
  ['fields duplicate', { ...valid, fields: ['a', 'a'] }],
  ['field not string', { ...valid, fields: ['a', 1] }],
  ['field too long', { ...valid, fields: ['x'.repeat(301)] }],
  ['too many fields', { ...valid, fields: Array.from({ length: 501 }, (_, i) => `f${i}`) }],
  ['500 fields', { ...valid, fields: Array.from({ length: 500 }, (_, i) => `f${i}`) }],
  ['subject null', { ...valid, subjectId: null }],
  ['subject spaces', { ...valid, subjectId: ' x' }],
  ['subject control', { ...valid, subjectId: 'a\u0001b' }],
  ['subject long', { ...valid, subjectId: 's'.repeat(201) }],
  ['context null', { ...valid, context: null }],
  ['context array', { ...valid, context: [1] }],
  ['context string', { ...valid, context: 'x' }],
  ['context proto key', { ...valid, context: JSON.parse('{"__proto__": {"a": 1}}') as object }],
  ['context constructor key', { ...valid, context: { constructor: 'x' } }],
  ['not an object', [valid]],
  ['null', null],
];

describe('AccessCheckDto fast path', () => {
  it.each(variants)(
    '%s: accepted only when class-validator accepts it, and to the same DTO',
    async (_, value) => {
      const copy = (v: unknown) => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as unknown));
      const fast = isPlainlyValidAccessCheck(copy(value));
      let expected: unknown;
      let refused = false;
      try {
        expected = await reference.transform(copy(value), body);
      } catch {
        refused = true;
      }
      if (fast) {
        expect(refused).toBe(false);
        const got = await createValidationPipe().transform(copy(value), body);
        expect(got).toBeInstanceOf(AccessCheckDto);
        expect(got).toEqual(expected);
      }
    },
  );

  it('takes the common valid bodies', () => {
    expect(isPlainlyValidAccessCheck(valid)).toBe(true);
    expect(isPlainlyValidAccessCheck({ purpose: 'p', action: 'read', fields: ['a.b.c'] })).toBe(true);
  });

  it('leaves every invalid body to class-validator, with its usual errors', async () => {
    await expect(createValidationPipe().transform({ ...valid, fields: [] }, body)).rejects.toMatchObject({
      response: { code: 'VALIDATION_FAILED' },
    });
  });
});
