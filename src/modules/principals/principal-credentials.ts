import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../database/transaction';
import type { Actor } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import { AuthenticationCache } from './authentication-cache';
import { ApiKeyEntity } from './entities/api-key.entity';
import { PrincipalsRepository } from './principals.repository';

/**
 * What every change to principals and keys shares, whoever makes it (PrincipalsService for the
 * API, BootstrapAdminKeysService for first start and admin:reset-key): the transaction that
 * clears the authentication cache on every instance, the key insert and its audit event.
 */
@Injectable()
export class PrincipalCredentials {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: PrincipalsRepository,
    private readonly audit: AuditService,
    private readonly cache: AuthenticationCache,
  ) {}

  /**
   * Runs a change to keys or principals, then forgets every cached credential of this instance and
   * waits until no other instance can still serve one from before the commit (they are told by the
   * NOTIFY the database triggers send on commit; ADR 0011). Also cleared when the change fails:
   * harmless, and never stale.
   */
  async change<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.dataSource, work);
    } finally {
      this.cache.invalidateAll();
      await this.cache.awaitPropagation();
    }
  }

  insertKey(
    m: EntityManager,
    principalId: string,
    prefix: string,
    keyHash: string,
    actor: Actor,
    options: { expiresAt?: Date | null; label?: string | null },
  ): Promise<ApiKeyEntity> {
    return this.repository.insertKey(m, {
      principalId,
      prefix,
      keyHash,
      label: options.label ?? null,
      createdBy: actor.id,
      expiresAt: options.expiresAt ?? null,
      revokedAt: null,
      lastUsedAt: null,
      replacedByKeyId: null,
    });
  }

  async recordKeyCreated(
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
}
