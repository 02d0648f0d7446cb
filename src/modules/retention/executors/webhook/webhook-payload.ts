import type { RetentionDatasetPlan } from '../../../inventory/inventory.types';
import type { PurgeInputs } from '../../purge-inputs.reader';
import { DatasetRule, describeFieldRule } from '../../retention-rule';

/** The signed body of a `retention.purge` delivery (docs/retention.md, "Webhook executor"). */
export function webhookBody(d: {
  runId: string;
  deliveryId: string;
  attempt: number;
  dryRun: boolean;
  plan: RetentionDatasetPlan;
  rule: DatasetRule;
  inputs: PurgeInputs;
  callback: { token: string; path: string; url: string | null; deadline: string };
}): string {
  const { plan, rule, inputs } = d;
  return JSON.stringify({
    event: 'retention.purge',
    runId: d.runId,
    // The same for every (re-)delivery of this dataset: a system may receive it more than once
    // (a re-send after a lost job); the callback of the latest one is the valid one.
    deliveryId: d.deliveryId,
    attempt: d.attempt,
    dryRun: d.dryRun,
    system: plan.system.code,
    dataset: { id: plan.dataset.id, name: plan.dataset.name, subjectColumn: plan.dataset.subjectColumn },
    // LEGAL HOLD, webhook: held subjects are left out of (or listed to exclude from) the purge.
    subjectIds: inputs.subjectFilter
      ? inputs.subjectFilter.filter((s) => !inputs.heldSubjects.includes(s))
      : null,
    excludeSubjectIds: inputs.subjectFilter ? [] : inputs.heldSubjects,
    fields: rule.fields.map((f) => ({
      key: f.key,
      column: f.column,
      anonymisation: f.anonymisation,
      // The state tells apart the fields with no purpose listed: due now (no_active_purpose) or
      // never (unbound, not_in_use).
      state: f.state,
      rule: describeFieldRule(f),
      purposes: f.keeps.map((k) => ({
        purposeCode: k.purposeCode,
        expiry:
          k.expiry.kind === 'time'
            ? {
                kind: 'time',
                column: k.expiry.column,
                duration: k.expiry.durationText,
                endsOnWithdrawal: k.expiry.endsOnWithdrawal,
                // The clock runs on for the subjects listed in recentContacts (ADR 0051).
                contactsRestartClock: k.expiry.contacts !== 'none',
              }
            : k.expiry.kind === 'after_withdrawal'
              ? { kind: 'after_withdrawal', duration: k.expiry.durationText }
              : k.expiry,
      })),
    })),
    withdrawals: Object.fromEntries(
      [...inputs.withdrawals].map(([p, ws]) => [
        p,
        ws.map((w) => ({ subjectId: w.subjectId, withdrawnAt: w.withdrawnAt })),
      ]),
    ),
    recentContacts: Object.fromEntries(inputs.recentContacts),
    callback: d.callback,
    sentAt: new Date().toISOString(),
  });
}
