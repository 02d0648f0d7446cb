import { describe, expect, it } from 'vitest';
import {
  bindingsWithCell,
  cellSummary,
  matrixColumns,
  orderedActions,
  type Field,
  type Purpose,
} from './matrix-model';

const field = (bindings: Field['bindings']): Field =>
  ({
    key: 'crm.customers.email',
    bindings,
    purposeCodes: bindings.map((b) => b.purposeCode),
  }) as Field;
const binding = (purposeCode: string, actions: Field['bindings'][number]['actions']) => ({
  purposeCode,
  purposeStatus: 'active' as const,
  actions,
  obligation: null,
  appliesToSubPurposes: false,
  anonymisation: null,
});
const purpose = (code: string, status: Purpose['status']) => ({ code, status }) as Purpose;

describe('matrix model', () => {
  it('adds a binding for a new cell and keeps the others', () => {
    const f = field([binding('sales', ['read'])]);
    expect(
      bindingsWithCell(f, 'marketing', {
        actions: ['write', 'read'],
        obligation: 'mask',
        appliesToSubPurposes: true,
      }),
    ).toEqual([
      {
        purpose: 'marketing',
        actions: ['read', 'write'],
        obligation: 'mask',
        appliesToSubPurposes: true,
        anonymisation: null,
      },
      {
        purpose: 'sales',
        actions: ['read'],
        obligation: null,
        appliesToSubPurposes: false,
        anonymisation: null,
      },
    ]);
  });

  it('removes the binding when no action is left, and keeps an override when editing', () => {
    const f = field([
      { ...binding('sales', ['read']), anonymisation: { strategy: 'hash' } },
      binding('marketing', ['read']),
    ]);
    expect(
      bindingsWithCell(f, 'marketing', { actions: [], obligation: null, appliesToSubPurposes: false }),
    ).toEqual([
      {
        purpose: 'sales',
        actions: ['read'],
        obligation: null,
        appliesToSubPurposes: false,
        anonymisation: { strategy: 'hash' },
      },
    ]);
    expect(
      bindingsWithCell(f, 'sales', { actions: ['export'], obligation: null, appliesToSubPurposes: false })[1],
    ).toEqual({
      purpose: 'sales',
      actions: ['export'],
      obligation: null,
      appliesToSubPurposes: false,
      anonymisation: { strategy: 'hash' },
    });
  });

  it('shows retired purposes only while a field is still bound to them', () => {
    const purposes = [
      purpose('b', 'active'),
      purpose('a', 'draft'),
      purpose('old', 'retired'),
      purpose('gone', 'retired'),
    ];
    expect(matrixColumns(purposes, [field([binding('old', ['read'])])]).map((p) => p.code)).toEqual([
      'a',
      'b',
      'old',
    ]);
  });

  it('orders actions as the API does and summarises a cell', () => {
    expect(orderedActions(['profile', 'read', 'share'])).toEqual(['read', 'share', 'profile']);
    const label = { action: (a: string) => a.toUpperCase(), obligation: (o: string) => `o:${o}`, none: '—' };
    expect(cellSummary(undefined, label)).toBe('—');
    expect(cellSummary({ ...binding('x', ['read', 'write']), obligation: 'mask' }, label)).toBe(
      'READ, WRITE (o:mask)',
    );
  });
});
