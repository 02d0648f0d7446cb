import { isDeepStrictEqual } from 'node:util';
import { normaliseJson } from '../../common/json/normalise-json';
import type { PurposeDeclarationDto } from './dto/purpose-declaration.dto';
import type { PurposeResponseDto } from './dto/purpose.response.dto';
import type { PurposeEntity } from './entities/purpose.entity';
import {
  EffectiveDeclaration,
  INHERITABLE_FIELDS,
  InheritableField,
  PurposeDeclaration,
  resolveInheritance,
  ResolvedPurpose,
} from './purpose.model';

/** What other modules read of a purpose: its effective declaration. */
export type PurposeView = PurposeResponseDto;

/**
 * Properties of the update DTO that map 1:1 to columns: the inheritable declaration (one list,
 * INHERITABLE_FIELDS) except retention, which is two columns, plus what only a purpose itself has.
 */
const SIMPLE_PROPERTIES = [
  'name',
  'description',
  'parentCode',
  ...INHERITABLE_FIELDS.filter((k): k is Exclude<InheritableField, 'retention'> => k !== 'retention'),
] as const;

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

/** The purpose as other modules read it, resolved against the register it belongs to. */
export function viewWithin(p: PurposeEntity, byCode: Map<string, PurposeEntity>): PurposeView {
  return toPurposeResponse(p, resolveWithin(p, byCode));
}

/**
 * Writes a create or update DTO onto the entity: what the DTO leaves undefined is kept on update
 * and declared null on create; null clears a value (a sub-purpose then inherits it).
 */
export function applyDeclaration(
  purpose: PurposeEntity,
  dto: PurposeDeclarationDto,
  creating: boolean,
): void {
  for (const key of SIMPLE_PROPERTIES) {
    if (key in dto && dto[key] !== undefined) {
      (purpose as unknown as Record<string, unknown>)[key] = dto[key] ?? null;
    } else if (creating) {
      (purpose as unknown as Record<string, unknown>)[key] ??= null;
    }
  }
  if ('retention' in dto && dto.retention !== undefined) {
    purpose.retentionDuration = dto.retention?.duration ?? null;
    purpose.retentionTrigger = dto.retention?.trigger ?? null;
    purpose.retentionArchive = dto.retention?.archive
      ? { duration: dto.retention.archive.duration, legalReason: dto.retention.archive.legalReason ?? null }
      : null;
  } else if (creating) {
    purpose.retentionDuration = null;
    purpose.retentionTrigger = null;
    purpose.retentionArchive = null;
  }
}

/** The properties a request gives (the changed fields of a purpose's first version). */
export function presentKeys(dto: object): string[] {
  return Object.entries(dto)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
}

/** The properties whose value differs between two declarations (JSON-normalised). */
export function changedFields(before: object, after: object): string[] {
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  return Object.keys(a).filter((k) => !isDeepStrictEqual(normaliseJson(b[k]), normaliseJson(a[k])));
}
