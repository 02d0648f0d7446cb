import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { rowDate, rowJson } from '../../database/raw-row';
import { DataSource, DeepPartial, EntityManager, In, IsNull } from 'typeorm';
import type { Role } from '../../policies/role.enum';
import { ApiKeyEntity } from './entities/api-key.entity';
import { PrincipalEntity } from './entities/principal.entity';

/** Serialises principal changes that must see every admin (last-admin rule, first start). */
export const PRINCIPALS_LOCK = 0x46_49_4e_50; // "FINP"

/** A presented key's row joined with its principal, with dates and JSON already parsed. */
export interface KeyLookup {
  keyId: string;
  prefix: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  principalId: string;
  name: string;
  roles: Role[];
  purposeCodes: string[];
  archivePurposeCodes: string[];
  disabled: boolean;
}

interface KeyLookupRow {
  key_id: string;
  prefix: string;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  last_used_at: Date | string | null;
  principal_id: string;
  name: string;
  roles: Role[] | string;
  purpose_codes: string[] | string;
  archive_purpose_codes: string[] | string;
  disabled: boolean;
}

/**
 * The SQL of principals and their API keys. No rule here: PrincipalsService decides; writes and
 * locks take the caller's transaction manager.
 */
@Injectable()
export class PrincipalsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /** Held until the transaction ends: one principal change (or first start) at a time. */
  async lockPrincipals(m: EntityManager): Promise<void> {
    await m.query('SELECT pg_advisory_xact_lock($1)', [PRINCIPALS_LOCK]);
  }

  insertPrincipal(m: EntityManager, init: DeepPartial<PrincipalEntity>): Promise<PrincipalEntity> {
    return m.save(PrincipalEntity, m.create(PrincipalEntity, init));
  }

  savePrincipal(m: EntityManager, principal: PrincipalEntity): Promise<PrincipalEntity> {
    return m.save(PrincipalEntity, principal);
  }

  findPrincipal(id: string, m: EntityManager = this.manager): Promise<PrincipalEntity | null> {
    return m.findOne(PrincipalEntity, { where: { id } });
  }

  lockPrincipal(m: EntityManager, id: string): Promise<PrincipalEntity | null> {
    return m.findOne(PrincipalEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Up to `limit` principals after the cursor, by creation then id, optionally with one role. */
  page(options: { limit: number; role?: Role; after?: [string, string] }): Promise<PrincipalEntity[]> {
    const qb = this.manager
      .createQueryBuilder(PrincipalEntity, 'p')
      .orderBy('p.createdAt', 'ASC')
      .addOrderBy('p.id', 'ASC')
      .limit(options.limit);
    if (options.role)
      qb.andWhere('p.roles @> CAST(:role AS jsonb)', { role: JSON.stringify([options.role]) });
    if (options.after) {
      const [createdAt, id] = options.after;
      qb.andWhere('(p.createdAt, p.id) > (CAST(:createdAt AS timestamptz), CAST(:id AS uuid))', {
        createdAt,
        id,
      });
    }
    return qb.getMany();
  }

  /** Every principal with the admin role, enabled or not. */
  admins(m: EntityManager): Promise<PrincipalEntity[]> {
    return m.createQueryBuilder(PrincipalEntity, 'p').where(`p.roles @> '["admin"]'::jsonb`).getMany();
  }

  countEnabledAdmins(m: EntityManager): Promise<number> {
    return m
      .createQueryBuilder(PrincipalEntity, 'p')
      .where(`p.roles @> '["admin"]'::jsonb`)
      .andWhere('p.disabled = false')
      .getCount();
  }

  /** The oldest admin created by `createdBy` (the bootstrap admin: SYSTEM_ACTOR), locked. */
  lockFirstAdminCreatedBy(m: EntityManager, createdBy: string): Promise<PrincipalEntity | null> {
    return m
      .createQueryBuilder(PrincipalEntity, 'p')
      .setLock('pessimistic_write')
      .where(`p.roles @> '["admin"]'::jsonb`)
      .andWhere('p.created_by = :system', { system: createdBy })
      .orderBy('p.created_at', 'ASC')
      .getOne();
  }

  // ---------------------------------------------------------------- keys

  /** The keys of a principal that are not revoked (expired ones included). */
  liveKeysOf(m: EntityManager, principalId: string): Promise<ApiKeyEntity[]> {
    return m.find(ApiKeyEntity, { where: { principalId, revokedAt: IsNull() } });
  }

  insertKey(m: EntityManager, init: DeepPartial<ApiKeyEntity>): Promise<ApiKeyEntity> {
    return m.save(ApiKeyEntity, m.create(ApiKeyEntity, init));
  }

  saveKey(m: EntityManager, key: ApiKeyEntity): Promise<ApiKeyEntity> {
    return m.save(ApiKeyEntity, key);
  }

  lockKey(m: EntityManager, principalId: string, keyId: string): Promise<ApiKeyEntity | null> {
    return m.findOne(ApiKeyEntity, {
      where: { id: keyId, principalId },
      lock: { mode: 'pessimistic_write' },
    });
  }

  keyHashExists(m: EntityManager, keyHash: string): Promise<boolean> {
    return m.exists(ApiKeyEntity, { where: { keyHash } });
  }

  /** The keys of each principal. */
  async keysOf(m: EntityManager, principalIds: string[]): Promise<Map<string, ApiKeyEntity[]>> {
    const byPrincipal = new Map<string, ApiKeyEntity[]>();
    if (principalIds.length === 0) return byPrincipal;
    const keys = await m.find(ApiKeyEntity, { where: { principalId: In(principalIds) } });
    for (const key of keys) {
      const list = byPrincipal.get(key.principalId) ?? [];
      list.push(key);
      byPrincipal.set(key.principalId, list);
    }
    return byPrincipal;
  }

  /** The key with this hash and its principal, in one indexed read (the authentication path). */
  async lookupKey(keyHash: string): Promise<KeyLookup | undefined> {
    const rows = await this.dataSource.query<KeyLookupRow[]>(
      `SELECT k.id AS key_id, k.prefix, k.expires_at, k.revoked_at, k.last_used_at,
              p.id AS principal_id, p.name, p.roles, p.purpose_codes, p.archive_purpose_codes, p.disabled
         FROM api_key k JOIN principal p ON p.id = k.principal_id
        WHERE k.key_hash = $1`,
      [keyHash],
    );
    if (rows.length === 0) return undefined;
    const row = rows[0];
    return {
      keyId: row.key_id,
      prefix: row.prefix,
      expiresAt: rowDate(row.expires_at),
      revokedAt: rowDate(row.revoked_at),
      lastUsedAt: rowDate(row.last_used_at),
      principalId: row.principal_id,
      name: row.name,
      roles: rowJson<Role[]>(row.roles),
      purposeCodes: rowJson<string[]>(row.purpose_codes),
      archivePurposeCodes: rowJson<string[]>(row.archive_purpose_codes),
      disabled: row.disabled,
    };
  }

  async setLastUsed(keyId: string, at: Date): Promise<void> {
    await this.dataSource.query(`UPDATE api_key SET last_used_at = $2 WHERE id = $1`, [keyId, at]);
  }
}
