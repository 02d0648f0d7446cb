import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, IsNull } from 'typeorm';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../../common/pagination/cursor';
import { AppConfig } from '../../config/app-config';
import { inTransaction } from '../../database/transaction';
import { Actor, AuthenticatedPrincipal, SYSTEM_ACTOR } from '../../policies/principal';
import { Role } from '../../policies/role.enum';
import { AuditService } from '../audit/audit.service';
import { PurposesService } from '../purposes/purposes.service';
import { RegisterRevisionService } from '../register-revision/register-revision.service';
import { generateApiKey, hashApiKey, visiblePrefixOf } from './api-key';
import { AuthenticationCache } from './authentication-cache';
import type {
  CreateApiKeyDto,
  CreatePrincipalDto,
  ListPrincipalsQueryDto,
  SetPrincipalPurposesDto,
  UpdatePrincipalDto,
} from './dto/principal-inputs.dto';
import type {
  CreatedApiKeyResponseDto,
  CreatedPrincipalResponseDto,
  PrincipalPageDto,
  PrincipalResponseDto,
} from './dto/principal.response.dto';
import { ApiKeyEntity } from './entities/api-key.entity';
import { PrincipalEntity } from './entities/principal.entity';
import { toApiKeyResponse, toPrincipalResponse } from './principal.mapper';
import {
  canonicalCodes,
  canonicalRoles,
  KeyRefusal,
  keyRefusal,
  lastUsedIsStale,
  LAST_USED_WRITE_INTERVAL_MS,
  leavesNoEnabledAdmin,
  rotatedExpiry,
} from './principal.model';
import {
  ApiKeyAlreadyRevoked,
  ApiKeyNotFound,
  KeyExpiryInPast,
  LastAdminRequired,
  PrincipalNotFound,
  PurposesNeedApplicationRole,
  UnknownPurposes,
} from './principals.errors';

/** Serialises changes that must see every admin (last-admin rule, first-start bootstrap) across instances. */
export const PRINCIPALS_LOCK = 0x46_49_4e_50; // "FINP"

export type AuthenticationOutcome =
  | { ok: true; principal: AuthenticatedPrincipal }
  | { ok: false; reason: KeyRefusal; keyId?: string; keyPrefix?: string; principalId?: string };

export type BootstrapOutcome =
  | { created: false; reason: 'admin_exists' | 'key_already_registered' }
  | { created: true; principalId: string; keyPrefix: string; generatedKey?: string };

export interface BootstrapKeyReset {
  principalId: string;
  keyPrefix: string;
  /** The new key, to be shown once. */
  key: string;
  /** True when no bootstrap admin existed and one was created. */
  created: boolean;
  revokedKeyPrefixes: string[];
}

/** Label of the key, and reason in the audit trail, of an operator's key reset. */
const RESET_KEY_LABEL = 'admin:reset-key';

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
  disabled: boolean;
}

/**
 * Principals, their keys and their authorisations. Every change records its audit event in the
 * same transaction. A key is read from PostgreSQL unless the authentication cache holds it; that
 * cache works only while its NOTIFY listener is alive and is cleared by every change, local or
 * remote, so a revocation or a disabled principal takes effect at once on every instance (ADR 0011).
 */
@Injectable()
export class PrincipalsService {
  private readonly logger = new Logger(PrincipalsService.name);
  /** When this instance last wrote lastUsedAt per key: damps bursts of concurrent requests. */
  private readonly lastUsedWrites = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly registerRevision: RegisterRevisionService,
    private readonly purposes: PurposesService,
    private readonly cache: AuthenticationCache,
  ) {}

  /**
   * Runs a change to keys or principals, then forgets every cached credential of this instance and
   * waits until no other instance can still serve one from before the commit (they are told by the
   * NOTIFY the database triggers send on commit; ADR 0011). Also cleared when the change fails:
   * harmless, and never stale.
   */
  private async changeCredentials<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.dataSource, work);
    } finally {
      this.cache.invalidateAll();
      await this.cache.awaitPropagation();
    }
  }

  async create(dto: CreatePrincipalDto, actor: Actor): Promise<CreatedPrincipalResponseDto> {
    const roles = canonicalRoles(dto.roles);
    const purposeCodes = canonicalCodes(dto.purposeCodes ?? []);
    const keyExpiresAt = this.futureDate(dto.keyExpiresAt);
    return inTransaction(this.dataSource, async (m) => {
      if (purposeCodes.length > 0) {
        await this.registerRevision.lock(m);
        await this.assertPurposesAssignable(m, roles, purposeCodes);
      }
      const principal = await m.save(
        PrincipalEntity,
        m.create(PrincipalEntity, {
          name: dto.name,
          roles,
          purposeCodes,
          disabled: false,
          createdBy: actor.id,
          updatedBy: actor.id,
        }),
      );
      const generated = generateApiKey();
      const key = await this.insertKey(m, principal.id, generated.prefix, generated.hash, actor, {
        expiresAt: keyExpiresAt,
      });
      // Register row lock before the audit chain lock: every register writer takes them in this order.
      if (purposeCodes.length > 0) await this.registerRevision.bump(m);
      await this.audit.recordInTransaction(m, {
        type: 'principal.created',
        actor,
        target: { type: 'principal', id: principal.id },
        payload: { name: principal.name, roles, purposeCodes },
      });
      await this.recordKeyCreated(m, actor, principal.id, key);
      return { ...toPrincipalResponse(principal, [key]), key: generated.key, keyId: key.id };
    });
  }

  async list(query: ListPrincipalsQueryDto): Promise<PrincipalPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const qb = this.dataSource.manager
      .createQueryBuilder(PrincipalEntity, 'p')
      .orderBy('p.createdAt', 'ASC')
      .addOrderBy('p.id', 'ASC')
      .limit(limit + 1);
    if (query.role) qb.andWhere('p.roles @> CAST(:role AS jsonb)', { role: JSON.stringify([query.role]) });
    if (query.cursor) {
      const [createdAt, id] = decodeCursor<[string, string]>(query.cursor, 2);
      qb.andWhere('(p.createdAt, p.id) > (CAST(:createdAt AS timestamptz), CAST(:id AS uuid))', {
        createdAt,
        id,
      });
    }
    const rows = await qb.getMany();
    const page = rows.slice(0, limit);
    const keys = await this.keysOf(
      this.dataSource.manager,
      page.map((p) => p.id),
    );
    const last = page[page.length - 1];
    return {
      items: page.map((p) => toPrincipalResponse(p, keys.get(p.id) ?? [])),
      nextCursor: rows.length > limit ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
    };
  }

  async get(id: string): Promise<PrincipalResponseDto> {
    const m = this.dataSource.manager;
    const principal = await m.findOne(PrincipalEntity, { where: { id } });
    if (!principal) throw new PrincipalNotFound(`No principal with id "${id}"`);
    const keys = await this.keysOf(m, [id]);
    return toPrincipalResponse(principal, keys.get(id) ?? []);
  }

  async update(id: string, dto: UpdatePrincipalDto, actor: Actor): Promise<PrincipalResponseDto> {
    return this.changeCredentials(async (m) => {
      // Register lock first, as every register writer (a role change can end authorisations).
      await this.registerRevision.lock(m);
      await m.query('SELECT pg_advisory_xact_lock($1)', [PRINCIPALS_LOCK]);
      const principal = await this.lockPrincipal(m, id);
      const before = { name: principal.name, roles: principal.roles, disabled: principal.disabled };
      const after = {
        name: dto.name ?? principal.name,
        roles: dto.roles ? canonicalRoles(dto.roles) : principal.roles,
        disabled: dto.disabled ?? principal.disabled,
      };
      const changed = (Object.keys(after) as (keyof typeof after)[]).filter(
        (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]),
      );
      if (changed.length > 0) {
        if (changed.includes('roles') || changed.includes('disabled')) {
          const admins = await m
            .createQueryBuilder(PrincipalEntity, 'p')
            .where(`p.roles @> '["admin"]'::jsonb`)
            .getMany();
          if (!admins.some((a) => a.id === id)) admins.push(principal);
          if (leavesNoEnabledAdmin(admins, id, after)) {
            throw new LastAdminRequired(
              'This change would leave no enabled admin; give another principal the admin role first',
            );
          }
        }
        Object.assign(principal, after, { updatedBy: actor.id });
        // Losing the application role ends its purpose authorisations: giving the role back later
        // must not silently restore them.
        const revokedPurposes =
          !after.roles.includes(Role.Application) && principal.purposeCodes.length > 0
            ? principal.purposeCodes
            : [];
        if (revokedPurposes.length > 0) {
          principal.purposeCodes = [];
          await this.registerRevision.bump(m);
        }
        await m.save(PrincipalEntity, principal);
        await this.audit.recordInTransaction(m, {
          type: 'principal.updated',
          actor,
          target: { type: 'principal', id },
          payload: {
            changedFields: changed,
            before: pick(before, changed),
            after: pick(after, changed),
            ...(revokedPurposes.length > 0 ? { purposesRevoked: revokedPurposes } : {}),
          },
        });
      }
      const keys = await this.keysOf(m, [id]);
      return toPrincipalResponse(principal, keys.get(id) ?? []);
    });
  }

  /** Replaces the purposes an application may invoke; part of the register, so it bumps its revision. */
  async setPurposes(id: string, dto: SetPrincipalPurposesDto, actor: Actor): Promise<PrincipalResponseDto> {
    const purposeCodes = canonicalCodes(dto.purposeCodes);
    return this.changeCredentials(async (m) => {
      // Part of the register: serialised with the other register writers (a purpose retired
      // meanwhile cannot be authorised).
      await this.registerRevision.lock(m);
      const principal = await this.lockPrincipal(m, id);
      await this.assertPurposesAssignable(m, principal.roles, purposeCodes);
      const before = canonicalCodes(principal.purposeCodes);
      if (JSON.stringify(before) !== JSON.stringify(purposeCodes)) {
        principal.purposeCodes = purposeCodes;
        principal.updatedBy = actor.id;
        await m.save(PrincipalEntity, principal);
        // Register row lock before the audit chain lock: every register writer takes them in this order.
        await this.registerRevision.bump(m);
        await this.audit.recordInTransaction(m, {
          type: 'principal.purposes_set',
          actor,
          target: { type: 'principal', id },
          payload: {
            before,
            after: purposeCodes,
            added: purposeCodes.filter((c) => !before.includes(c)),
            removed: before.filter((c) => !purposeCodes.includes(c)),
          },
        });
      }
      const keys = await this.keysOf(m, [id]);
      return toPrincipalResponse(principal, keys.get(id) ?? []);
    });
  }

  /** A new key; with replaceKeyId the old key keeps working for the rotation grace period only. */
  async createKey(
    principalId: string,
    dto: CreateApiKeyDto,
    actor: Actor,
  ): Promise<CreatedApiKeyResponseDto> {
    const expiresAt = this.futureDate(dto.expiresAt);
    return this.changeCredentials(async (m) => {
      await this.lockPrincipal(m, principalId);
      let replaced: ApiKeyEntity | undefined;
      if (dto.replaceKeyId) {
        replaced = await this.lockKey(m, principalId, dto.replaceKeyId);
        if (replaced.revokedAt) throw new ApiKeyAlreadyRevoked('A revoked key cannot be rotated');
      }
      const generated = generateApiKey();
      const key = await this.insertKey(m, principalId, generated.prefix, generated.hash, actor, {
        expiresAt,
        label: dto.label ?? null,
      });
      if (replaced) {
        replaced.expiresAt = rotatedExpiry(
          replaced.expiresAt,
          new Date(),
          this.config.KEY_ROTATION_GRACE_SECONDS,
        );
        replaced.replacedByKeyId = key.id;
        await m.save(ApiKeyEntity, replaced);
      }
      await this.recordKeyCreated(m, actor, principalId, key, replaced);
      return { ...toApiKeyResponse(key), key: generated.key };
    });
  }

  /** Revocation takes effect at once: every instance's authentication cache is cleared on commit. */
  async revokeKey(principalId: string, keyId: string, actor: Actor): Promise<void> {
    await this.changeCredentials(async (m) => {
      const key = await this.lockKey(m, principalId, keyId);
      if (key.revokedAt) return; // idempotent: revoking twice changes nothing
      key.revokedAt = new Date();
      await m.save(ApiKeyEntity, key);
      await this.audit.recordInTransaction(m, {
        type: 'key.revoked',
        actor,
        target: { type: 'principal', id: principalId },
        payload: { keyId, keyPrefix: key.prefix },
      });
    });
  }

  /** Resolves a presented key to its principal, or says why it does not authenticate. */
  async authenticate(presentedKey: string): Promise<AuthenticationOutcome> {
    const keyHash = hashApiKey(presentedKey);
    const cached = this.cache.get(keyHash, Date.now());
    if (cached) {
      await this.touchKey(cached.principal.keyId, cached.lastUsedAt, new Date());
      return { ok: true, principal: cached.principal };
    }
    const generation = this.cache.generation;
    const rows = await this.dataSource.query<KeyLookupRow[]>(
      `SELECT k.id AS key_id, k.prefix, k.expires_at, k.revoked_at, k.last_used_at,
              p.id AS principal_id, p.name, p.roles, p.purpose_codes, p.disabled
         FROM api_key k JOIN principal p ON p.id = k.principal_id
        WHERE k.key_hash = $1`,
      [keyHash],
    );
    if (rows.length === 0) return { ok: false, reason: 'unknown_key' };
    const row = rows[0];
    const now = new Date();
    const refusal = keyRefusal(
      { expiresAt: asDate(row.expires_at), revokedAt: asDate(row.revoked_at) },
      { disabled: row.disabled },
      now,
    );
    if (refusal) {
      return {
        ok: false,
        reason: refusal,
        keyId: row.key_id,
        keyPrefix: row.prefix,
        principalId: row.principal_id,
      };
    }
    const lastUsedAt = asDate(row.last_used_at);
    await this.touchKey(row.key_id, lastUsedAt, now);
    const principal: AuthenticatedPrincipal = {
      id: row.principal_id,
      name: row.name,
      roles: asJson<Role[]>(row.roles),
      purposeCodes: asJson<string[]>(row.purpose_codes),
      keyId: row.key_id,
      keyPrefix: row.prefix,
    };
    const expiresAt = asDate(row.expires_at);
    this.cache.set(keyHash, { principal, expiresAt: expiresAt?.getTime() ?? null, lastUsedAt }, generation);
    return { ok: true, principal };
  }

  /**
   * First start: when no enabled admin exists, creates one holding `configuredKey`
   * (BOOTSTRAP_ADMIN_KEY) or a generated key that the caller prints once. The advisory lock
   * makes instances starting together create exactly one.
   */
  async ensureBootstrapAdmin(configuredKey?: string): Promise<BootstrapOutcome> {
    return inTransaction(this.dataSource, async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [PRINCIPALS_LOCK]);
      const admins = await m
        .createQueryBuilder(PrincipalEntity, 'p')
        .where(`p.roles @> '["admin"]'::jsonb`)
        .andWhere('p.disabled = false')
        .getCount();
      if (admins > 0) return { created: false, reason: 'admin_exists' };
      const generated = configuredKey ? undefined : generateApiKey();
      const key = configuredKey ?? generated!.key;
      const hash = hashApiKey(key);
      if (await m.exists(ApiKeyEntity, { where: { keyHash: hash } })) {
        return { created: false, reason: 'key_already_registered' };
      }
      const created = await this.createBootstrapAdmin(m, key, {
        label: configuredKey ? 'BOOTSTRAP_ADMIN_KEY' : 'generated on first start',
      });
      return { created: true, ...created, generatedKey: generated?.key };
    });
  }

  /**
   * The operator's recovery when the bootstrap admin's key is lost (npm run admin:reset-key): a
   * new key for the bootstrap admin, every other key of it revoked, the principal re-enabled if
   * it was disabled; created as on first start if it never was. Audited in the same transaction.
   */
  async resetBootstrapAdminKey(): Promise<BootstrapKeyReset> {
    return this.changeCredentials(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [PRINCIPALS_LOCK]);
      const actor = SYSTEM_ACTOR;
      const generated = generateApiKey();
      const principal = await m
        .createQueryBuilder(PrincipalEntity, 'p')
        .setLock('pessimistic_write')
        .where(`p.roles @> '["admin"]'::jsonb`)
        .andWhere('p.created_by = :system', { system: actor.id })
        .orderBy('p.created_at', 'ASC')
        .getOne();
      if (!principal) {
        const created = await this.createBootstrapAdmin(m, generated.key, { label: RESET_KEY_LABEL });
        return { ...created, key: generated.key, created: true, revokedKeyPrefixes: [] };
      }
      if (principal.disabled) {
        principal.disabled = false;
        principal.updatedBy = actor.id;
        await m.save(PrincipalEntity, principal);
        await this.audit.recordInTransaction(m, {
          type: 'principal.updated',
          actor,
          target: { type: 'principal', id: principal.id },
          payload: {
            changedFields: ['disabled'],
            before: { disabled: true },
            after: { disabled: false },
            reason: RESET_KEY_LABEL,
          },
        });
      }
      const live = await m.find(ApiKeyEntity, { where: { principalId: principal.id, revokedAt: IsNull() } });
      const now = new Date();
      for (const key of live) {
        key.revokedAt = now;
        await m.save(ApiKeyEntity, key);
        await this.audit.recordInTransaction(m, {
          type: 'key.revoked',
          actor,
          target: { type: 'principal', id: principal.id },
          payload: { keyId: key.id, keyPrefix: key.prefix, reason: RESET_KEY_LABEL },
        });
      }
      const saved = await this.insertKey(
        m,
        principal.id,
        visiblePrefixOf(generated.key),
        hashApiKey(generated.key),
        actor,
        { label: RESET_KEY_LABEL },
      );
      await this.recordKeyCreated(m, actor, principal.id, saved);
      return {
        principalId: principal.id,
        keyPrefix: saved.prefix,
        key: generated.key,
        created: false,
        revokedKeyPrefixes: live.map((k) => k.prefix),
      };
    });
  }

  private async createBootstrapAdmin(
    m: EntityManager,
    key: string,
    options: { label: string },
  ): Promise<{ principalId: string; keyPrefix: string }> {
    const actor = SYSTEM_ACTOR;
    const principal = await m.save(
      PrincipalEntity,
      m.create(PrincipalEntity, {
        name: 'Bootstrap admin',
        roles: [Role.Admin],
        purposeCodes: [],
        disabled: false,
        createdBy: actor.id,
        updatedBy: actor.id,
      }),
    );
    const saved = await this.insertKey(
      m,
      principal.id,
      visiblePrefixOf(key),
      hashApiKey(key),
      actor,
      options,
    );
    await this.audit.recordInTransaction(m, {
      type: 'principal.created',
      actor,
      target: { type: 'principal', id: principal.id },
      payload: { name: principal.name, roles: principal.roles, purposeCodes: [], bootstrap: true },
    });
    await this.recordKeyCreated(m, actor, principal.id, saved);
    return { principalId: principal.id, keyPrefix: saved.prefix };
  }

  private async touchKey(keyId: string, lastUsedAt: Date | null, now: Date): Promise<void> {
    if (!lastUsedIsStale(lastUsedAt, now)) return;
    const writtenAt = this.lastUsedWrites.get(keyId);
    if (writtenAt !== undefined && now.getTime() - writtenAt < LAST_USED_WRITE_INTERVAL_MS) return;
    if (this.lastUsedWrites.size > 10_000) this.lastUsedWrites.clear();
    this.lastUsedWrites.set(keyId, now.getTime());
    try {
      await this.dataSource.query(`UPDATE api_key SET last_used_at = $2 WHERE id = $1`, [keyId, now]);
    } catch (e) {
      // Bookkeeping only: a failed write must not refuse an authenticated request.
      this.logger.warn({ err: e, keyId }, 'Could not record the last use of an API key');
    }
  }

  private async insertKey(
    m: EntityManager,
    principalId: string,
    prefix: string,
    keyHash: string,
    actor: Actor,
    options: { expiresAt?: Date | null; label?: string | null },
  ): Promise<ApiKeyEntity> {
    return m.save(
      ApiKeyEntity,
      m.create(ApiKeyEntity, {
        principalId,
        prefix,
        keyHash,
        label: options.label ?? null,
        createdBy: actor.id,
        expiresAt: options.expiresAt ?? null,
        revokedAt: null,
        lastUsedAt: null,
        replacedByKeyId: null,
      }),
    );
  }

  private async recordKeyCreated(
    m: EntityManager,
    actor: Actor,
    principalId: string,
    key: ApiKeyEntity,
    replaced?: ApiKeyEntity,
  ): Promise<void> {
    await this.audit.recordInTransaction(m, {
      type: 'key.created',
      actor,
      target: { type: 'principal', id: principalId },
      payload: {
        keyId: key.id,
        keyPrefix: key.prefix,
        expiresAt: key.expiresAt?.toISOString() ?? null,
        ...(replaced
          ? { replacesKeyId: replaced.id, replacedKeyExpiresAt: replaced.expiresAt?.toISOString() ?? null }
          : {}),
      },
    });
  }

  private async assertPurposesAssignable(m: EntityManager, roles: Role[], codes: string[]): Promise<void> {
    if (!roles.includes(Role.Application)) {
      throw new PurposesNeedApplicationRole(
        'Only a principal with the application role can be given purposes',
      );
    }
    if (codes.length === 0) return;
    const known = new Set((await this.purposes.listAll(m)).map((p) => p.code));
    const unknown = codes.filter((c) => !known.has(c));
    if (unknown.length > 0) {
      throw new UnknownPurposes(`No purpose with code ${unknown.map((c) => `"${c}"`).join(', ')}`, {
        unknownPurposeCodes: unknown,
      });
    }
  }

  private async lockPrincipal(m: EntityManager, id: string): Promise<PrincipalEntity> {
    const principal = await m.findOne(PrincipalEntity, {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!principal) throw new PrincipalNotFound(`No principal with id "${id}"`);
    return principal;
  }

  private async lockKey(m: EntityManager, principalId: string, keyId: string): Promise<ApiKeyEntity> {
    const key = await m.findOne(ApiKeyEntity, {
      where: { id: keyId, principalId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!key) throw new ApiKeyNotFound(`Principal "${principalId}" has no key with id "${keyId}"`);
    return key;
  }

  private async keysOf(m: EntityManager, principalIds: string[]): Promise<Map<string, ApiKeyEntity[]>> {
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

  private futureDate(value: string | undefined): Date | null {
    if (value === undefined) return null;
    const date = new Date(value);
    if (date.getTime() <= Date.now()) throw new KeyExpiryInPast(`Expiry ${value} is not in the future`);
    return date;
  }
}

function pick<T extends object>(value: T, keys: (keyof T)[]): Partial<T> {
  return Object.fromEntries(keys.map((k) => [k, value[k]])) as Partial<T>;
}

/** Raw rows: pg returns Date and parsed JSON; the embedded driver may return strings. */
function asDate(value: Date | string | null): Date | null {
  return value === null ? null : value instanceof Date ? value : new Date(value);
}

function asJson<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}
