import type { EntityManager } from 'typeorm';
import type { HoldCoverage, LegalHoldsService } from '../legal-holds/legal-holds.service';
import type { RetentionExemption } from './entities/retention-run-dataset.entity';
import type { DatasetRule } from './retention-rule';

/** What the legal holds in force mean for one dataset in one run (docs/retention.md). */
export interface HoldInputs {
  wholeDatasetHeld: boolean;
  heldSubjects: string[];
  exemptions: RetentionExemption[];
}

/**
 * Turns the holds covering a dataset into purge inputs and reported exemptions. `scope`: the
 * subjects of an erasure / consent-withdrawal run (null: every subject). `locateBySubject`:
 * Finalité itself finds the rows (postgres executor). A subject hold cannot be honoured row by
 * row in a dataset without a subject column: nothing proves which rows are the subject's, so
 * the whole dataset is held while such a hold lasts, reported as `subject_not_locatable`
 * (uncertainty keeps data, ADR 0032). A webhook system or a person receives the held subjects'
 * ids and locates their records itself.
 */
export function holdInputs(
  coverage: HoldCoverage,
  subjectColumn: string | null,
  scope: string[] | null,
  locateBySubject: boolean,
): HoldInputs {
  const heldSubjects = [...coverage.subjects.keys()].filter((s) => !scope || scope.includes(s));
  const exemptions: RetentionExemption[] = coverage.wholeDataset.map((h) => ({
    kind: 'legal_hold' as const,
    reason: h.reason,
    holdId: h.id,
  }));
  const subjectHolds = heldSubjects.map((s) => coverage.subjects.get(s)!);
  if (locateBySubject && !subjectColumn && subjectHolds.length) {
    for (const h of subjectHolds) {
      exemptions.push({
        kind: 'subject_not_locatable',
        holdId: h.id,
        reason: `legal hold on a subject (${h.reason}): the dataset declares no subject column to find the subject's rows, so nothing in it is purged while the hold lasts`,
      });
    }
    return { wholeDatasetHeld: true, heldSubjects, exemptions };
  }
  for (const h of subjectHolds) exemptions.push({ kind: 'legal_hold', reason: h.reason, holdId: h.id });
  return { wholeDatasetHeld: coverage.wholeDataset.length > 0, heldSubjects, exemptions };
}

/** The holds in force now over a rule's dataset, as purge inputs (`m`: inside the caller's transaction). */
export async function readHoldInputs(
  holds: Pick<LegalHoldsService, 'coverage'>,
  rule: Pick<DatasetRule, 'systemCode' | 'datasetId' | 'subjectColumn'>,
  scope: string[] | null,
  locateBySubject: boolean,
  m?: EntityManager,
): Promise<HoldInputs> {
  const coverage = await holds.coverage(rule.systemCode, rule.datasetId, m);
  return holdInputs(coverage, rule.subjectColumn, scope, locateBySubject);
}

/** Whether `next` holds something `used` does not (a hold placed since `used` was read). */
export function holdsGrew(
  used: Pick<HoldInputs, 'wholeDatasetHeld' | 'heldSubjects'>,
  next: Pick<HoldInputs, 'wholeDatasetHeld' | 'heldSubjects'>,
): boolean {
  if (next.wholeDatasetHeld && !used.wholeDatasetHeld) return true;
  const known = new Set(used.heldSubjects);
  return next.heldSubjects.some((s) => !known.has(s));
}

/**
 * The union of two hold inputs: a hold placed during a run applies from the next batch on; one
 * lifted during a run keeps applying until the run ends (the next run purges what it released).
 */
export function widenHolds<T extends Pick<HoldInputs, 'wholeDatasetHeld' | 'heldSubjects'>>(
  used: T,
  next: Pick<HoldInputs, 'wholeDatasetHeld' | 'heldSubjects'>,
): T {
  return {
    ...used,
    wholeDatasetHeld: used.wholeDatasetHeld || next.wholeDatasetHeld,
    heldSubjects: [...new Set([...used.heldSubjects, ...next.heldSubjects])],
  };
}

/** Exemptions of both lists, each once (by kind, hold and purpose). */
export function mergeExemptions(a: RetentionExemption[], b: RetentionExemption[]): RetentionExemption[] {
  const seen = new Set<string>();
  return [...a, ...b].filter((e) => {
    const key = JSON.stringify([e.kind, e.holdId ?? null, e.purposeCode ?? null, e.reason]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
