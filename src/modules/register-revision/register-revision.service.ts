import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** NOTIFY channel carrying the new revision number when the register changes. */
export const REGISTER_CHANNEL = 'finalite_register';

/**
 * A counter of register changes (purposes, fields, bindings, application authorisations).
 * Every write to the register calls bump() inside its transaction: the new revision and its
 * NOTIFY become visible only on commit, so listeners (the compiled access policy on every
 * instance) rebuild exactly when the change is durable. Decisions carry the revision they used.
 */
@Injectable()
export class RegisterRevisionService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async bump(manager: EntityManager): Promise<number> {
    // A SELECT over the UPDATE: TypeORM returns plain rows for it (for a bare UPDATE … RETURNING
    // it returns [rows, affectedCount]).
    const rows = await manager.query<{ revision: string }[]>(
      `WITH bumped AS (
         UPDATE register_revision SET revision = revision + 1, changed_at = now() WHERE id = 1 RETURNING revision
       ) SELECT revision FROM bumped`,
    );
    const revision = Number(rows[0].revision);
    if (!Number.isSafeInteger(revision)) throw new Error('register_revision row is missing');
    await manager.query(`SELECT pg_notify($1, $2)`, [REGISTER_CHANNEL, String(revision)]);
    return revision;
  }

  async current(manager: EntityManager = this.dataSource.manager): Promise<number> {
    const rows = await manager.query<{ revision: string }[]>(
      `SELECT revision FROM register_revision WHERE id = 1`,
    );
    return Number(rows[0].revision);
  }
}
