import type { PurposeResponseDto } from './dto/purpose.response.dto';
import type { PurposeEntity } from './entities/purpose.entity';
import {
  EffectiveDeclaration,
  PurposeDeclaration,
  resolveInheritance,
  ResolvedPurpose,
} from './purpose.model';

/** The purpose as declared (own values only), as stored in history and compared for changes. */
export function declarationOf(p: PurposeEntity): PurposeDeclaration {
  return {
    code: p.code,
    name: p.name,
    description: p.description,
    parentCode: p.parentCode,
    status: p.status,
    legalBasis: p.legalBasis,
    legitimateInterest: p.legitimateInterest,
    specialCategoryCondition: p.specialCategoryCondition,
    controller: p.controller,
    jointControllers: p.jointControllers,
    processors: p.processors,
    dataSubjectCategories: p.dataSubjectCategories,
    dataCategories: p.dataCategories,
    recipients: p.recipients,
    recipientProcessors: p.recipientProcessors,
    internationalTransfers: p.internationalTransfers,
    retention:
      p.retentionDuration && p.retentionTrigger
        ? {
            duration: p.retentionDuration,
            trigger: p.retentionTrigger,
            // Only when declared: versions written before the archive phase keep their shape.
            ...(p.retentionArchive ? { archive: p.retentionArchive } : {}),
          }
        : null,
    securityMeasures: p.securityMeasures,
    dpiaRequired: p.dpiaRequired,
  };
}

/** Resolves a purpose against its ancestors, given every purpose by code. */
export function resolveWithin(p: PurposeEntity, byCode: Map<string, PurposeEntity>): ResolvedPurpose {
  const chain: PurposeDeclaration[] = [];
  const seen = new Set<string>();
  for (
    let cur: PurposeEntity | undefined = p;
    cur && !seen.has(cur.code);
    cur = cur.parentCode ? byCode.get(cur.parentCode) : undefined
  ) {
    seen.add(cur.code);
    chain.push(declarationOf(cur));
  }
  return resolveInheritance(chain);
}

export function toPurposeResponse(p: PurposeEntity, resolved: ResolvedPurpose): PurposeResponseDto {
  const e: EffectiveDeclaration = resolved.effective;
  return {
    id: p.id,
    code: p.code,
    name: p.name,
    description: p.description,
    parentCode: p.parentCode,
    status: p.status,
    version: p.version,
    legalBasis: e.legalBasis,
    legitimateInterest: e.legitimateInterest,
    specialCategoryCondition: e.specialCategoryCondition,
    controller: e.controller,
    jointControllers: e.jointControllers,
    processors: e.processors,
    dataSubjectCategories: e.dataSubjectCategories,
    dataCategories: e.dataCategories,
    recipients: e.recipients,
    recipientProcessors: e.recipientProcessors,
    internationalTransfers: e.internationalTransfers,
    retention: e.retention,
    securityMeasures: e.securityMeasures,
    dpiaRequired: e.dpiaRequired,
    inheritedFrom: resolved.inheritedFrom,
    presetCode: p.presetCode ?? null,
    activatedAt: p.activatedAt,
    retiredAt: p.retiredAt,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    createdBy: p.createdBy,
    updatedBy: p.updatedBy,
  };
}
