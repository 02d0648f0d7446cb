import type { PurposeView } from '../../src/modules/purposes/purposes.service';

/** An active, complete consent purpose as the purposes service returns it; override what a test is about. */
export const purposeView = (overrides: Partial<PurposeView> = {}): PurposeView =>
  ({
    code: 'marketing.newsletter',
    name: 'Newsletter',
    status: 'active',
    legalBasis: 'consent',
    legitimateInterest: null,
    specialCategoryCondition: null,
    retention: { duration: 'P3Y', trigger: 'last_interaction' },
    internationalTransfers: null,
    ...overrides,
  }) as PurposeView;
