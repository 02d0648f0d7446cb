import type { ProcessorView } from '../report-sources';
import { deriveTransfers, transferMismatch } from './derived-transfers';

const processor = (code: string, countries: string[]): ProcessorView => ({
  code,
  name: code.toUpperCase(),
  contact: null,
  country: 'FR',
  service: null,
  agreement: null,
  transfers: countries.map((country) => ({ country, subProcessor: null, mechanism: null, reference: null })),
});

describe('derived transfers', () => {
  const processors = new Map([
    ['mailer', processor('mailer', ['US'])],
    ['host', processor('host', ['JP', 'US'])],
  ]);
  const operators = new Map<string, string | null>([
    ['crm', 'host'],
    ['erp', null],
  ]);

  it('comes from the recipients’ processors and the operators of the purpose’s systems', () => {
    const derived = deriveTransfers(['mailer'], ['crm', 'erp'], operators, processors);
    expect(derived.map((t) => [t.processor, t.country, t.systems])).toEqual([
      ['host', 'JP', ['crm']],
      ['host', 'US', ['crm']],
      ['mailer', 'US', []],
    ]);
    expect(deriveTransfers([], ['erp'], operators, processors)).toEqual([]);
  });

  it('tells undeclared and unfounded countries apart', () => {
    const derived = deriveTransfers([], ['crm'], operators, processors);
    expect(transferMismatch([{ country: 'JP' }, { country: 'US' }], derived)).toBeNull();
    expect(transferMismatch([{ country: 'US' }, { country: 'CN' }], derived)).toEqual({
      undeclared: ['JP'],
      unfounded: ['CN'],
    });
  });
});
