import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../../policies/principal';
import type { CreatePurposeDto } from '../purposes/dto/create-purpose.dto';
import { INHERITABLE_FIELDS, PurposeStatus } from '../purposes/purpose.model';
import { PurposesService } from '../purposes/purposes.service';
import { parentsFirst, RegisterDocument, RegisterPurpose, stableJson } from './register-document';

type Json = Record<string, unknown>;

/**
 * The purposes part of a register import, in the import's transaction: through PurposesService's
 * manager-taking methods, so their rules, history and audit events are the usual ones.
 */
@Injectable()
export class RegisterPurposesApplier {
  constructor(private readonly purposes: PurposesService) {}

  async apply(
    m: EntityManager,
    doc: RegisterDocument,
    current: RegisterDocument,
    actor: Actor,
  ): Promise<void> {
    const before = new Map(current.purposes.map((p) => [p.code, p]));
    const ordered = parentsFirst(doc.purposes);
    for (const p of ordered) {
      const old = before.get(p.code);
      if (!old) {
        await this.purposes.createWithin(m, declarationOf(p) as unknown as CreatePurposeDto, actor);
      } else if (
        old.status !== PurposeStatus.Retired &&
        stableJson(withoutStatus(old)) !== stableJson(withoutStatus(p))
      ) {
        // The document's final bindings were checked against its purposes (validateRegister).
        await this.purposes.updateWithin(m, p.code, declarationOf(p), actor, undefined, {
          bindingsCheckedByCaller: true,
        });
      }
    }
    for (const p of ordered) {
      const was = before.get(p.code)?.status ?? PurposeStatus.Draft;
      if (p.status !== PurposeStatus.Draft && was === PurposeStatus.Draft) {
        await this.purposes.activateWithin(m, p.code, actor);
      }
    }
    const inDoc = new Set(doc.purposes.map((p) => p.code));
    const toRetire = [
      ...ordered.filter(
        (p) => p.status === PurposeStatus.Retired && before.get(p.code)?.status !== PurposeStatus.Retired,
      ),
      ...parentsFirst(current.purposes).filter(
        (p) => !inDoc.has(p.code) && p.status === PurposeStatus.Active,
      ),
    ];
    // Children before parents: an active sub-purpose blocks its parent's retirement.
    for (const p of toRetire.reverse()) await this.purposes.retireWithin(m, p.code, actor);
  }
}

/** The purpose's declaration as a create/update DTO: absent values are null (= inherited / cleared). */
function declarationOf(p: RegisterPurpose): Json {
  const dto: Json = {
    code: p.code,
    name: p.name,
    description: p.description ?? null,
    parentCode: p.parentCode ?? null,
  };
  for (const key of INHERITABLE_FIELDS) dto[key] = (p as Json)[key] ?? null;
  return dto;
}

function withoutStatus(p: RegisterPurpose): Json {
  const { status: _status, ...rest } = p;
  return rest;
}
