import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PurposeEntity } from './entities/purpose.entity';
import type { PurposeRegister } from './purpose-hierarchy.rules';
import { PurposeView, viewWithin } from './purpose.mapper';
import { PurposeNotFound, PurposeVersionMismatch } from './purposes.errors';
import { PurposesRepository } from './purposes.repository';

/**
 * The purpose register as its rules read it, in the caller's transaction: the whole register at
 * once (every rule resolves inheritance in memory) and the one purpose a write changes, locked.
 */
@Injectable()
export class PurposeRegisterReader {
  constructor(private readonly repository: PurposesRepository) {}

  /** Effective declarations of every purpose (the register is small: hundreds, not millions). */
  async listAll(manager: EntityManager = this.repository.manager): Promise<PurposeView[]> {
    const register = await this.load(manager);
    return [...register.values()].sort(byCode).map((p) => viewWithin(p, register));
  }

  async load(m: EntityManager): Promise<PurposeRegister> {
    const all = await this.repository.findAll(m);
    return new Map(all.map((p) => [p.code, p]));
  }

  /** The purpose a write changes, locked; at `expectedVersion` when the caller gives one (If-Match). */
  async lock(m: EntityManager, code: string, expectedVersion?: number): Promise<PurposeEntity> {
    const purpose = await this.repository.lock(m, code);
    if (!purpose) throw new PurposeNotFound(`No purpose with code "${code}"`);
    if (expectedVersion !== undefined && purpose.version !== expectedVersion) {
      throw new PurposeVersionMismatch(
        `Purpose "${code}" is at version ${purpose.version}, not ${expectedVersion}; reload it and retry`,
        { currentVersion: purpose.version },
      );
    }
    return purpose;
  }
}

function byCode(a: { code: string }, b: { code: string }): number {
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}
