import { canonicalRegister, RegisterDocument } from '../../src/modules/inventory/register-document';

/** An active purpose meeting the activation rules; `over` replaces or adds declared values. */
export const activePurpose = (code: string, over: Record<string, unknown> = {}) => ({
  code,
  name: code,
  status: 'active',
  legalBasis: 'contract',
  controller: { name: 'ACME', contact: 'dpo@acme.example' },
  dataSubjectCategories: ['customers'],
  retention: { duration: 'P1Y', trigger: 'collection' },
  ...over,
});

/** A canonical register of these purposes and one manual system `crm` / `public.customers` holding these fields. */
export const crmRegister = (purposes: unknown[], fields: unknown[]): RegisterDocument =>
  canonicalRegister({
    purposes,
    systems: [
      {
        code: 'crm',
        name: 'CRM',
        kind: 'manual',
        datasets: [{ name: 'public.customers', primaryKey: ['id'], fields }],
      },
    ],
  });

export const emptyRegister = canonicalRegister({});

/** A processor outside the EEA, with its transfer mechanism. */
export const mailerProcessor = {
  code: 'mailer',
  name: 'Mailer SAS',
  country: 'FR',
  processingLocations: [{ country: 'US', mechanism: 'standard_contractual_clauses', reference: 'SCC' }],
};

/** A register of these processors, one draft purpose and one system, either of which may name a processor. */
export const registerWithProcessors = (
  processors: unknown[],
  systemProcessor?: string,
  recipientProcessors?: string[],
) =>
  canonicalRegister({
    processors,
    purposes: [
      {
        code: 'news',
        name: 'News',
        status: 'draft',
        legalBasis: 'consent',
        ...(recipientProcessors ? { recipientProcessors } : {}),
      },
    ],
    systems: [{ code: 'crm', name: 'CRM', kind: 'manual', processorCode: systemProcessor, datasets: [] }],
  });
