import type { Role } from './session';

/**
 * Operations (subjects, decisions, retention): DPOs act, auditors read. The service enforces
 * the same rules (docs/authorisation-matrix.md); the console only avoids offering what fails.
 */
export function canReadOperations(roles: readonly Role[]): boolean {
  return roles.includes('dpo') || roles.includes('auditor');
}

export function canOperate(roles: readonly Role[]): boolean {
  return roles.includes('dpo');
}

/** POST /access/explain is a DPO's diagnostic (AccessDecision, mode explain). */
export function canExplain(roles: readonly Role[]): boolean {
  return roles.includes('dpo');
}

/**
 * Consents are recorded by the applications that collect them (Create Consent is an
 * application's rule only): no console role records one, so the console only shows them.
 */
export function canRecordConsent(roles: readonly Role[]): boolean {
  return roles.includes('application');
}
