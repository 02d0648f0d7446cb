import type { AuditEventRecord } from '../../src/modules/audit/audit-event.types';
import type { AuditService } from '../../src/modules/audit/audit.service';
import { SYSTEM_ACTOR } from '../../src/policies/principal';

/**
 * The events the audit trail API suites append as the modules do: audit.e2e-spec.ts (chain,
 * search and filters) in its tests, audit-exports.e2e-spec.ts (checkpoints and exports) before
 * them, so that it exports the same trail.
 */

/** 120 `test.concurrent` events appended at once, `i` in each payload, every other one for hr.payroll. */
export function appendConcurrentEvents(audit: AuditService): Promise<AuditEventRecord[]> {
  return Promise.all(
    Array.from({ length: 120 }, (_, i) =>
      audit.append({
        type: 'test.concurrent',
        actor: SYSTEM_ACTOR,
        purposeCode: i % 2 ? 'marketing.newsletter' : 'hr.payroll',
        payload: { i, when: new Date(0), nested: { b: 1, a: [1, 'x', null] } },
      }),
    ),
  );
}

/** Two `access.decision` events about `subjectId` (purpose crm), then one about someone else. */
export async function appendSubjectEvents(audit: AuditService, subjectId: string): Promise<void> {
  for (let n = 0; n < 2; n += 1) {
    await audit.append({
      type: 'access.decision',
      actor: SYSTEM_ACTOR,
      subjectId,
      purposeCode: 'crm',
      payload: {},
    });
  }
  await audit.append({
    type: 'access.decision',
    actor: SYSTEM_ACTOR,
    subjectId: 'someone-else',
    payload: {},
  });
}
