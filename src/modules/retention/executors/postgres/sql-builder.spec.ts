import { quoteIdentifier } from './sql-builder';

describe('identifiers', () => {
  it.each(['customers"; DROP TABLE x; --', 'a b', '1abc', '', 'x'.repeat(64), 'naïve', 'a"b'])(
    'refuses %j',
    (id) => {
      expect(() => quoteIdentifier(id)).toThrow(/unsafe SQL identifier/);
    },
  );

  it('quotes safe identifiers', () => {
    expect(quoteIdentifier('Customer_Ref')).toBe('"Customer_Ref"');
  });
});
