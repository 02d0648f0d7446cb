import { purposeInput } from './purpose.factory';

/** A system declaration; override what a test is about. */
export function systemInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    code: 'crm',
    name: 'Customer CRM',
    description: 'Sales CRM',
    owner: 'Sales operations',
    hostingLocation: 'OVHcloud Roubaix',
    hostingCountry: 'FR',
    kind: 'manual',
    ...overrides,
  };
}

export function datasetInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'public.customers',
    description: 'One row per customer',
    primaryKey: ['id'],
    subjectColumn: 'id',
    timestampColumns: { collection: 'created_at', lastInteraction: 'last_order_at' },
    ...overrides,
  };
}

/** Three purposes as the register document writes them (own values and status). */
export function crmPurposes(): Record<string, unknown>[] {
  const strip = (p: Record<string, unknown>) => ({ ...p, status: 'active' });
  return [
    strip(
      purposeInput({
        code: 'sales.orders',
        name: 'Order handling',
        legalBasis: 'contract',
        retention: { duration: 'P5Y', trigger: 'contract_end' },
      }),
    ),
    strip(
      purposeInput({
        code: 'marketing.newsletter',
        name: 'Newsletter',
        legalBasis: 'consent',
        retention: { duration: 'P3Y', trigger: 'last_interaction' },
      }),
    ),
    strip(
      purposeInput({
        code: 'support.care',
        name: 'Customer care with health accommodations',
        legalBasis: 'contract',
        specialCategoryCondition: 'explicit_consent',
        retention: { duration: 'P2Y', trigger: 'last_interaction' },
      }),
    ),
  ];
}

const bind = (purpose: string, actions: string[] = ['read'], extra: Record<string, unknown> = {}) => ({
  purpose,
  actions,
  appliesToSubPurposes: false,
  ...extra,
});

/**
 * The "done when": a CRM database with a dozen fields bound to three purposes, in one
 * document. Canonical order (sorted lists, no nulls) so an export of it reads the same.
 */
export function crmRegisterDocument(): Record<string, unknown> {
  return {
    format: 'finalite.register/v1',
    purposes: crmPurposes(),
    systems: [
      {
        code: 'crm',
        name: 'Customer CRM',
        owner: 'Sales operations',
        hostingCountry: 'FR',
        kind: 'postgres',
        retentionSchedule: '0 3 * * *',
        datasets: [
          {
            name: 'billing.invoices',
            primaryKey: ['id'],
            subjectColumn: 'customer_id',
            timestampColumns: { contractEnd: 'issued_at' },
            fields: [
              { column: 'billing_address', dataCategory: 'location', purposes: [bind('sales.orders')] },
              {
                column: 'iban',
                dataCategory: 'financial',
                anonymisation: { strategy: 'fixed', value: 'FR00 REDACTED' },
                purposes: [bind('sales.orders', ['read', 'write'], { obligation: 'mask' })],
              },
            ],
          },
          {
            name: 'public.customers',
            description: 'One row per customer',
            primaryKey: ['id'],
            subjectColumn: 'id',
            timestampColumns: { collection: 'created_at', lastInteraction: 'last_order_at' },
            fields: [
              { column: 'birth_date', dataCategory: 'identity', purposes: [bind('sales.orders')] },
              {
                column: 'email',
                dataCategory: 'contact',
                description: 'Login and order confirmations',
                purposes: [
                  bind('marketing.newsletter', ['read'], { appliesToSubPurposes: true }),
                  bind('sales.orders', ['read', 'write']),
                ],
              },
              {
                column: 'first_name',
                dataCategory: 'identity',
                purposes: [bind('marketing.newsletter'), bind('sales.orders')],
              },
              {
                column: 'health_notes',
                dataCategory: 'health',
                purposes: [bind('support.care', ['read', 'write'], { obligation: 'pseudonymise' })],
              },
              { column: 'last_ip', dataCategory: 'online_identifiers', purposes: [bind('support.care')] },
              { column: 'last_name', dataCategory: 'identity', purposes: [bind('sales.orders')] },
              {
                column: 'newsletter_segment',
                dataCategory: 'behaviour',
                purposes: [
                  bind('marketing.newsletter', ['profile', 'read'], { obligation: 'aggregate_only' }),
                ],
              },
              {
                column: 'phone',
                dataCategory: 'contact',
                purposes: [bind('sales.orders'), bind('support.care')],
              },
              { column: 'postcode', dataCategory: 'location', purposes: [bind('marketing.newsletter')] },
              { column: 'street', dataCategory: 'location', purposes: [bind('sales.orders')] },
            ],
          },
        ],
      },
    ],
  };
}
