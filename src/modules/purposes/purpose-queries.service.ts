import { Injectable } from '@nestjs/common';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../../common/pagination/cursor';
import { AppAbility, asSubject } from '../../policies/ability.factory';
import { Action } from '../../policies/action.enum';
import type { ListPurposesQueryDto } from './dto/list-purposes.query.dto';
import type { PurposeHistoryDto, PurposePageDto } from './dto/purpose.response.dto';
import { PurposeRegisterReader } from './purpose-register.reader';
import type { PurposeView } from './purpose.mapper';
import { PurposeNotFound } from './purposes.errors';
import { PurposesRepository } from './purposes.repository';

/**
 * The purpose register as the API reads it: one purpose, a filtered page, a purpose's history,
 * each under the caller's record-level rule (an application sees only its purposes). Other
 * modules read the whole register through PurposesService.listAll.
 */
@Injectable()
export class PurposeQueriesService {
  constructor(
    private readonly register: PurposeRegisterReader,
    private readonly repository: PurposesRepository,
  ) {}

  /** A purpose the caller may read; one it may not read is reported as not found (no existence oracle). */
  async get(code: string, ability: AppAbility): Promise<PurposeView> {
    const view = (await this.register.listAll()).find((p) => p.code === code);
    if (!view || !canRead(view, ability)) throw new PurposeNotFound(`No purpose with code "${code}"`);
    return view;
  }

  async list(query: ListPurposesQueryDto, ability: AppAbility): Promise<PurposePageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor ? decodeCursor<[string]>(query.cursor, 1)[0] : undefined;
    const text = query.q?.toLowerCase();
    // Filters apply to effective values (a sub-purpose inheriting "consent" is a consent purpose).
    const matches = (await this.register.listAll()).filter(
      (p) =>
        canRead(p, ability) &&
        (!after || p.code > after) &&
        (!query.status || p.status === query.status) &&
        (!query.legalBasis || p.legalBasis === query.legalBasis) &&
        (!text || [p.code, p.name, p.description ?? ''].some((s) => s.toLowerCase().includes(text))),
    );
    const items = matches.slice(0, limit);
    const nextCursor = matches.length > limit ? encodeCursor([items[items.length - 1].code]) : null;
    return { items, nextCursor };
  }

  async history(code: string, ability: AppAbility): Promise<PurposeHistoryDto> {
    // Record-level rule (applications see their purposes only); unseen and unknown look the same.
    if (!canRead({ code }, ability)) throw new PurposeNotFound(`No purpose with code "${code}"`);
    const versions = await this.repository.history(code);
    if (versions.length === 0) throw new PurposeNotFound(`No purpose with code "${code}"`);
    return {
      code,
      versions: versions.map((v) => ({
        purposeId: v.purposeId,
        version: v.version,
        change: v.change,
        changedFields: v.changedFields,
        snapshot: v.snapshot,
        actor: v.actor,
        changedAt: v.changedAt,
        requestId: v.requestId,
      })),
    };
  }
}

/** Record-level rule; internal callers pass SYSTEM_ABILITY (there is no "no ability" case). */
function canRead(view: Pick<PurposeView, 'code'>, ability: AppAbility): boolean {
  return ability.can(Action.Read, asSubject('Purpose', view));
}
