import { describe, expect, it } from 'vitest';
import { buildDataMap, COLUMN_X, ROW_HEIGHT, type MapInput } from './data-map-model';

const input: MapInput = {
  systems: [
    { code: 'hr', name: 'HR' },
    { code: 'crm', name: 'CRM' },
  ],
  datasets: [
    { systemCode: 'crm', name: 'public.customers' },
    { systemCode: 'hr', name: 'public.staff' },
  ],
  fields: [
    {
      key: 'crm.customers.email',
      systemCode: 'crm',
      dataset: 'public.customers',
      column: 'email',
      dataCategory: 'contact',
      purposeCodes: ['marketing', 'sales'],
    },
    {
      key: 'hr.staff.health',
      systemCode: 'hr',
      dataset: 'public.staff',
      column: 'health',
      dataCategory: 'health',
      purposeCodes: ['payroll'],
    },
  ],
  purposes: [
    { code: 'sales', name: 'Sales' },
    { code: 'marketing', name: 'Marketing' },
    { code: 'payroll', name: 'Payroll' },
    { code: 'unused', name: 'Unused' },
  ],
};

describe('data map', () => {
  it('lays out every declared node in four columns, with the edges of the chain', () => {
    const { nodes, edges } = buildDataMap(input, { purpose: null, category: null });
    expect(nodes.map((n) => n.id)).toEqual([
      'system:crm',
      'system:hr',
      'dataset:crm/public.customers',
      'dataset:hr/public.staff',
      'field:crm.customers.email',
      'field:hr.staff.health',
      'purpose:marketing',
      'purpose:payroll',
      'purpose:sales',
      'purpose:unused',
    ]);
    expect(nodes.find((n) => n.id === 'field:hr.staff.health')?.position).toEqual({
      x: COLUMN_X.field,
      y: ROW_HEIGHT,
    });
    expect(edges.map((e) => e.id)).toEqual([
      'system:crm->dataset:crm/public.customers',
      'system:hr->dataset:hr/public.staff',
      'dataset:crm/public.customers->field:crm.customers.email',
      'dataset:hr/public.staff->field:hr.staff.health',
      'field:crm.customers.email->purpose:marketing',
      'field:crm.customers.email->purpose:sales',
      'field:hr.staff.health->purpose:payroll',
    ]);
  });

  it('filtered by purpose: only its fields, their path, and that purpose', () => {
    const { nodes, edges } = buildDataMap(input, { purpose: 'marketing', category: null });
    expect(nodes.map((n) => n.id)).toEqual([
      'system:crm',
      'dataset:crm/public.customers',
      'field:crm.customers.email',
      'purpose:marketing',
    ]);
    expect(edges).toHaveLength(3);
  });

  it('filtered by category: only those fields and the purposes they serve', () => {
    const { nodes } = buildDataMap(input, { purpose: null, category: 'health' });
    expect(nodes.map((n) => n.id)).toEqual([
      'system:hr',
      'dataset:hr/public.staff',
      'field:hr.staff.health',
      'purpose:payroll',
    ]);
    // The purpose asked for stays on the map, even with nothing of that category under it.
    expect(buildDataMap(input, { purpose: 'sales', category: 'health' }).nodes.map((n) => n.id)).toEqual([
      'purpose:sales',
    ]);
  });
});
