import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * The SQL of register_revision (one row, id 1). When to lock, bump and announce is
 * RegisterRevisionService's rule; every statement runs in the caller's manager (its transaction).
 */
@Injectable()
export class RegisterRevisionRepository {
  /** Locks the revision row until the caller's transaction ends. */
  async lockRow(manager: EntityManager): Promise<void> {
    await manager.query(`SELECT revision FROM register_revision WHERE id = 1 FOR UPDATE`);
  }

  /** Increments the revision; returns the new value (NaN when the row is missing). */
  async increment(manager: EntityManager): Promise<number> {
    // A SELECT over the UPDATE: TypeORM returns plain rows for it (for a bare UPDATE … RETURNING
    // it returns [rows, affectedCount]).
    const rows = await manager.query<{ revision: string }[]>(
      `WITH bumped AS (
         UPDATE register_revision SET revision = revision + 1, changed_at = now() WHERE id = 1 RETURNING revision
       ) SELECT revision FROM bumped`,
    );
    return Number(rows[0]?.revision);
  }

  /** NOTIFY on commit of the caller's transaction. */
  async notify(manager: EntityManager, channel: string, revision: number): Promise<void> {
    await manager.query(`SELECT pg_notify($1, $2)`, [channel, String(revision)]);
  }

  async read(manager: EntityManager): Promise<number> {
    const rows = await manager.query<{ revision: string }[]>(
      `SELECT revision FROM register_revision WHERE id = 1`,
    );
    return Number(rows[0].revision);
  }
}
