import { randomBytes } from 'node:crypto';

/** A complete, activatable purpose declaration; override what a test is about. */
export function purposeInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    code: `test.${randomBytes(4).toString('hex')}`,
    name: 'Customer newsletter',
    description: 'Monthly newsletter to customers who subscribed',
    legalBasis: 'consent',
    controller: { name: 'ACME SAS', contact: 'dpo@acme.example' },
    dataSubjectCategories: ['customers'],
    dataCategories: ['identity', 'contact'],
    recipients: ['marketing team'],
    retention: { duration: 'P3Y', trigger: 'last_interaction' },
    securityMeasures: ['encryption at rest'],
    dpiaRequired: false,
    ...overrides,
  };
}
