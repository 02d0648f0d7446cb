import { LegalBasis, PurposeStatus } from '../../purposes/purpose.model';
import type { PurposeView } from '../../purposes/purposes.service';
import type { ReportLang } from '../report.model';
import { ComplianceGap, GapCode, LINKS } from './compliance-gap';
import { complianceGap } from './gap-messages';

/** Gaps in the declaration of active purposes (legal basis, its justification, retention, transfers). */
export function purposeGaps(purposes: PurposeView[], lang: ReportLang): ComplianceGap[] {
  const gaps: ComplianceGap[] = [];
  for (const p of purposes) {
    if (p.status !== PurposeStatus.Active) continue;
    const obj = { type: 'purpose' as const, id: p.code };
    const link = LINKS.purpose(p.code);
    if (!p.legalBasis)
      gaps.push(complianceGap(lang, GapCode.PurposeWithoutLegalBasis, { purpose: p.code }, obj, link));
    if (p.legalBasis === LegalBasis.LegitimateInterests && !p.legitimateInterest?.trim()) {
      gaps.push(complianceGap(lang, GapCode.LegitimateInterestNotJustified, { purpose: p.code }, obj, link));
    }
    if (!p.retention)
      gaps.push(complianceGap(lang, GapCode.PurposeWithoutRetention, { purpose: p.code }, obj, link));
    const archive = p.retention?.archive;
    if (archive && !archive.legalReason?.trim()) {
      gaps.push(
        complianceGap(
          lang,
          GapCode.ArchivePhaseWithoutLegalReason,
          { purpose: p.code, duration: archive.duration },
          obj,
          link,
        ),
      );
    }
    const unsafe = (p.internationalTransfers ?? []).filter((t) => !t.safeguard?.trim());
    if (unsafe.length) {
      const countries = [...new Set(unsafe.map((t) => t.country))];
      gaps.push(
        complianceGap(
          lang,
          GapCode.TransferWithoutSafeguard,
          { purpose: p.code, countries: countries.join(', ') },
          obj,
          link,
          {
            countries,
          },
        ),
      );
    }
  }
  return gaps;
}

/** A consent-based active purpose that access checks used, while no consent was ever recorded for it. */
export function consentGap(purpose: PurposeView, decisions: number, lang: ReportLang): ComplianceGap {
  return complianceGap(
    lang,
    GapCode.ConsentWithoutRecords,
    { purpose: purpose.code, decisions },
    { type: 'purpose', id: purpose.code },
    LINKS.purpose(purpose.code),
    { decisions },
  );
}
