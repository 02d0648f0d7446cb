import { describe, expect, it } from 'vitest';
import {
  blockedReason,
  fieldsToRegister,
  findingId,
  initialSelection,
  type Finding,
  type ScanResult,
} from './scan-model';

const finding = (column: string, over: Partial<Finding> = {}): Finding => ({
  schema: 'public',
  table: 'customers',
  column,
  dataType: 'text',
  dataset: 'public.customers',
  suggestedKey: `crm.customers.${column}`,
  registrable: true,
  likelyPersonal: true,
  suggestedCategory: 'contact',
  reason: null,
  ...over,
});

describe('scan findings', () => {
  const findings = [
    finding('phone'),
    finding('notes', { likelyPersonal: false, suggestedCategory: null }),
    finding('bad name', { registrable: false, suggestedKey: null }),
    finding('email', { table: 'leads', dataset: null }),
  ];
  const result = { systemCode: 'crm', unregistered: findings } as ScanResult;

  it('ticks the likely personal columns that can be registered', () => {
    expect([...initialSelection(result)]).toEqual(['public.customers.phone']);
    expect(findings.map(blockedReason)).toEqual([null, null, 'notIdentifier', 'noDataset']);
  });

  it('builds one POST /fields body per ticked, registrable finding with the chosen category', () => {
    const selected = new Set(findings.map(findingId));
    const categories = new Map([['public.customers.notes', 'behaviour' as const]]);
    expect(fieldsToRegister('crm', findings, selected, categories)).toEqual([
      { system: 'crm', dataset: 'public.customers', column: 'phone', dataCategory: 'contact' },
      { system: 'crm', dataset: 'public.customers', column: 'notes', dataCategory: 'behaviour' },
    ]);
  });
});
