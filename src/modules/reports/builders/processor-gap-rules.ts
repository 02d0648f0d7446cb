/**
 * Gaps the processor register reveals (art. 28, art. 44–49): agreements missing or due for review,
 * transfers without a mechanism, and purposes whose declared transfers disagree with their processors'.
 */
import type { PurposeView } from '../../purposes/purposes.service';
import type { InventorySystemView, ProcessorView } from '../report-sources';
import type { ReportLang } from '../report.model';
import { ComplianceGap, GapCode, LINKS } from './compliance-gap';
import type { DerivedTransfer } from './derived-transfers';
import { complianceGap } from './gap-messages';

/** A system operated by a processor with no signed agreement (art. 28(3)). */
export function processorAgreementGap(
  system: InventorySystemView,
  processor: ProcessorView | undefined,
  lang: ReportLang,
): ComplianceGap | null {
  if (!system.processorCode || !processor || processor.agreement?.signedOn) return null;
  return complianceGap(
    lang,
    GapCode.ProcessorAgreementMissing,
    { system: system.key, processor: processor.code },
    { type: 'system', id: system.key },
    LINKS.processor(processor.code),
    { system: system.key, processor: processor.code },
  );
}

/** A processor's transfers outside the EEA with no mechanism, and its agreement's review date past. */
export function processorGaps(processor: ProcessorView, today: string, lang: ReportLang): ComplianceGap[] {
  const gaps: ComplianceGap[] = [];
  const obj = { type: 'processor' as const, id: processor.code };
  const link = LINKS.processor(processor.code);
  const uncovered = processor.transfers.filter((t) => !t.mechanism);
  if (uncovered.length) {
    const countries = [...new Set(uncovered.map((t) => t.country))].sort();
    gaps.push(
      complianceGap(
        lang,
        GapCode.TransferWithoutMechanism,
        { processor: processor.code, countries: countries.join(', ') },
        obj,
        link,
        { countries, subProcessors: [...new Set(uncovered.map((t) => t.subProcessor).filter(Boolean))] },
      ),
    );
  }
  const reviewOn = processor.agreement?.reviewOn;
  if (reviewOn && reviewOn < today) {
    gaps.push(
      complianceGap(
        lang,
        GapCode.ProcessorAgreementReviewOverdue,
        { processor: processor.code, reviewOn },
        obj,
        link,
        {
          reviewOn,
        },
      ),
    );
  }
  return gaps;
}

/** An active purpose whose declared transfers disagree with those derived from its processors. */
export function transferMismatchGap(
  purpose: PurposeView,
  derived: DerivedTransfer[],
  mismatch: { undeclared: string[]; unfounded: string[] },
  lang: ReportLang,
): ComplianceGap {
  const none = lang === 'fr' ? 'aucun' : 'none';
  return complianceGap(
    lang,
    GapCode.DeclaredTransfersMismatch,
    {
      purpose: purpose.code,
      undeclared: mismatch.undeclared.join(', ') || none,
      unfounded: mismatch.unfounded.join(', ') || none,
    },
    { type: 'purpose', id: purpose.code },
    LINKS.purpose(purpose.code),
    { ...mismatch, derived: [...new Set(derived.map((t) => t.country))].sort() },
  );
}
