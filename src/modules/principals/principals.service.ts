import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../../common/pagination/cursor';
import { AppConfig } from '../../config/app-config';
import { inTransaction } from '../../database/transaction';
import type { Actor } from '../../policies/principal';
import { Role } from '../../policies/role.enum';
import { AuditService } from '../audit/audit.service';
import { PurposesService } from '../purposes/purposes.service';
import { RegisterRevisionService } from '../register-revision/register-revision.service';
import { generateApiKey } from './api-key';
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
import { canonicalCodes, canonicalRoles, leavesNoEnabledAdmin, rotatedExpiry } from './principal.model';
import {
  ApiKeyAlreadyRevoked,
  ArchiveGrantOutsidePurposes,
  ApiKeyNotFound,
  KeyExpiryInPast,
  LastAdminRequired,
  PrincipalNotFound,
  PurposesNeedApplicationRole,
  UnknownPurposes,
} from './principals.errors';
import { PrincipalCredentials } from './principal-credentials';
import { PrincipalsRepository } from './principals.repository';

/**
 * Principals, their keys and their authorisations (rules: last enabled admin, purposes only for
 * applications, key rotation). Every change records its audit event in the same transaction and
 * clears the authentication cache on every instance (ADR 0011, PrincipalCredentials); keys are
 * authenticated by PrincipalAuthenticationService, the bootstrap admin's keys (first start,
 * admin:reset-key) are BootstrapAdminKeysService's, the SQL is PrincipalsRepository's.
 */
@Injectable()
export class PrincipalsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: PrincipalsRepository,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly registerRevision: RegisterRevisionService,
    private readonly purposes: PurposesService,
    private readonly credentials: PrincipalCredentials,
  ) {}

  async create(dto: CreatePrincipalDto, actor: Actor): Promise<CreatedPrincipalResponseDto> {
    const roles = canonicalRoles(dto.roles);
    const purposeCodes = canonicalCodes(dto.purposeCodes ?? []);
    const keyExpiresAt = this.futureDate(dto.keyExpiresAt);
    return inTransaction(this.dataSource, async (m) => {
      if (purposeCodes.length > 0) {
        await this.registerRevision.lock(m);
        await this.assertPurposesAssignable(m, roles, purposeCodes);
      }
      const principal = await this.repository.insertPrincipal(m, {
        name: dto.name,
        roles,
        purposeCodes,
        archivePurposeCodes: [],
        disabled: false,
        createdBy: actor.id,
        updatedBy: actor.id,
      });
      const generated = generateApiKey();
      const key = await this.credentials.insertKey(m, principal.id, generated.prefix, generated.hash, actor, {
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
      await this.credentials.recordKeyCreated(m, actor, principal.id, key);
      return { ...toPrincipalResponse(principal, [key]), key: generated.key, keyId: key.id };
    });
  }

  async list(query: ListPrincipalsQueryDto): Promise<PrincipalPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.repository.page({
      limit: limit + 1,
      role: query.role,
      after: query.cursor ? decodeCursor<[string, string]>(query.cursor, 2) : undefined,
    });
    const page = rows.slice(0, limit);
    const keys = await this.repository.keysOf(
      this.repository.manager,
      page.map((p) => p.id),
    );
    const last = page[page.length - 1];
    return {
      items: page.map((p) => toPrincipalResponse(p, keys.get(p.id) ?? [])),
      nextCursor: rows.length > limit ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
    };
  }

  async get(id: string): Promise<PrincipalResponseDto> {
    const principal = await this.repository.findPrincipal(id);
    if (!principal) throw new PrincipalNotFound(`No principal with id "${id}"`);
    const keys = await this.repository.keysOf(this.repository.manager, [id]);
    return toPrincipalResponse(principal, keys.get(id) ?? []);
  }

  async update(id: string, dto: UpdatePrincipalDto, actor: Actor): Promise<PrincipalResponseDto> {
    return this.credentials.change(async (m) => {
      // Register lock first, as every register writer (a role change can end authorisations).
      await this.registerRevision.lock(m);
      await this.repository.lockPrincipals(m);
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
          const admins = await this.repository.admins(m);
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
          principal.archivePurposeCodes = [];
          await this.registerRevision.bump(m);
        }
        await this.repository.savePrincipal(m, principal);
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
      const keys = await this.repository.keysOf(m, [id]);
      return toPrincipalResponse(principal, keys.get(id) ?? []);
    });
  }

  /**
   * Replaces the purposes an application may invoke, and those on which it may also reach the
   * intermediate archive (a subset; omitted: kept where the purpose stays authorised). Part of the
   * register, so it bumps its revision; the authentication cache is cleared on every instance.
   */
  async setPurposes(id: string, dto: SetPrincipalPurposesDto, actor: Actor): Promise<PrincipalResponseDto> {
    const purposeCodes = canonicalCodes(dto.purposeCodes);
    return this.credentials.change(async (m) => {
      // Part of the register: serialised with the other register writers (a purpose retired
      // meanwhile cannot be authorised).
      await this.registerRevision.lock(m);
      const principal = await this.lockPrincipal(m, id);
      await this.assertPurposesAssignable(m, principal.roles, purposeCodes);
      const archiveBefore = canonicalCodes(principal.archivePurposeCodes ?? []);
      const archiveAfter = canonicalCodes(
        dto.archivePurposeCodes ?? archiveBefore.filter((c) => purposeCodes.includes(c)),
      );
      const outside = archiveAfter.filter((c) => !purposeCodes.includes(c));
      if (outside.length > 0) {
        throw new ArchiveGrantOutsidePurposes(
          `Archive access is granted only on authorised purposes; not in purposeCodes: ${outside.join(', ')}`,
          { purposeCodes: outside },
        );
      }
      const before = canonicalCodes(principal.purposeCodes);
      const archiveChanged = JSON.stringify(archiveBefore) !== JSON.stringify(archiveAfter);
      if (JSON.stringify(before) !== JSON.stringify(purposeCodes) || archiveChanged) {
        principal.purposeCodes = purposeCodes;
        principal.archivePurposeCodes = archiveAfter;
        principal.updatedBy = actor.id;
        await this.repository.savePrincipal(m, principal);
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
            ...(archiveChanged ? { archiveBefore, archiveAfter } : {}),
          },
        });
      }
      const keys = await this.repository.keysOf(m, [id]);
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
    return this.credentials.change(async (m) => {
      await this.lockPrincipal(m, principalId);
      let replaced: ApiKeyEntity | undefined;
      if (dto.replaceKeyId) {
        replaced = await this.lockKey(m, principalId, dto.replaceKeyId);
        if (replaced.revokedAt) throw new ApiKeyAlreadyRevoked('A revoked key cannot be rotated');
      }
      const generated = generateApiKey();
      const key = await this.credentials.insertKey(m, principalId, generated.prefix, generated.hash, actor, {
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
        await this.repository.saveKey(m, replaced);
      }
      await this.credentials.recordKeyCreated(m, actor, principalId, key, replaced);
      return { ...toApiKeyResponse(key), key: generated.key };
    });
  }

  /** Revocation takes effect at once: every instance's authentication cache is cleared on commit. */
  async revokeKey(principalId: string, keyId: string, actor: Actor): Promise<void> {
    await this.credentials.change(async (m) => {
      const key = await this.lockKey(m, principalId, keyId);
      if (key.revokedAt) return; // idempotent: revoking twice changes nothing
      key.revokedAt = new Date();
      await this.repository.saveKey(m, key);
      await this.audit.recordInTransaction(m, {
        type: 'key.revoked',
        actor,
        target: { type: 'principal', id: principalId },
        payload: { keyId, keyPrefix: key.prefix },
      });
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
    const principal = await this.repository.lockPrincipal(m, id);
    if (!principal) throw new PrincipalNotFound(`No principal with id "${id}"`);
    return principal;
  }

  private async lockKey(m: EntityManager, principalId: string, keyId: string): Promise<ApiKeyEntity> {
    const key = await this.repository.lockKey(m, principalId, keyId);
    if (!key) throw new ApiKeyNotFound(`Principal "${principalId}" has no key with id "${keyId}"`);
    return key;
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
