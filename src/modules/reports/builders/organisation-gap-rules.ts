import type { OrganisationView } from '../report-sources';
import type { ReportLang } from '../report.model';
import { ComplianceGap, GapCode, LINKS } from './compliance-gap';
import { complianceGap } from './gap-messages';

/**
 * Gaps in the organisation-level part of the record (art. 30(1)(a)): not declared at all (one gap,
 * which covers the DPO too), no DPO contact, or no EU representative for a controller established
 * outside the Union (art. 27).
 */
export function organisationGaps(o: OrganisationView | null, lang: ReportLang): ComplianceGap[] {
  const obj = { type: 'organisation' as const, id: 'controller' };
  const link = LINKS.organisation();
  if (!o) return [complianceGap(lang, GapCode.OrganisationNotDeclared, {}, obj, link)];
  const gaps: ComplianceGap[] = [];
  if (!o.dpo?.contact.trim()) gaps.push(complianceGap(lang, GapCode.DpoContactMissing, {}, obj, link));
  if (!o.establishedInEu && !o.representative?.contact.trim()) {
    gaps.push(complianceGap(lang, GapCode.EuRepresentativeMissing, {}, obj, link));
  }
  return gaps;
}
