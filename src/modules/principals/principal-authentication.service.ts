import { Injectable, Logger } from '@nestjs/common';
import type { AuthenticatedPrincipal } from '../../policies/principal';
import { hashApiKey } from './api-key';
import { AuthenticationCache } from './authentication-cache';
import { KeyRefusal, keyRefusal, LAST_USED_WRITE_INTERVAL_MS, lastUsedIsStale } from './principal.model';
import { PrincipalsRepository } from './principals.repository';

export type AuthenticationOutcome =
  | { ok: true; principal: AuthenticatedPrincipal }
  | { ok: false; reason: KeyRefusal; keyId?: string; keyPrefix?: string; principalId?: string };

/**
 * The authentication path: a presented API key to its principal. The key is read from PostgreSQL
 * (one indexed join) unless the authentication cache holds it; that cache works only while its
 * NOTIFY listener is alive and is cleared by every change to principals or keys, local or remote,
 * so a revocation or a disabled principal takes effect at once on every instance (ADR 0011).
 */
@Injectable()
export class PrincipalAuthenticationService {
  private readonly logger = new Logger(PrincipalAuthenticationService.name);
  /** When this instance last wrote lastUsedAt per key: damps bursts of concurrent requests. */
  private readonly lastUsedWrites = new Map<string, number>();

  constructor(
    private readonly repository: PrincipalsRepository,
    private readonly cache: AuthenticationCache,
  ) {}

  /** Resolves a presented key to its principal, or says why it does not authenticate. */
  async authenticate(presentedKey: string): Promise<AuthenticationOutcome> {
    const keyHash = hashApiKey(presentedKey);
    const cached = this.cache.get(keyHash, Date.now());
    if (cached) {
      await this.touchKey(cached.principal.keyId, cached.lastUsedAt, new Date());
      return { ok: true, principal: cached.principal };
    }
    const generation = this.cache.generation;
    const row = await this.repository.lookupKey(keyHash);
    if (!row) return { ok: false, reason: 'unknown_key' };
    const now = new Date();
    const refusal = keyRefusal(row, row, now);
    if (refusal) {
      return {
        ok: false,
        reason: refusal,
        keyId: row.keyId,
        keyPrefix: row.prefix,
        principalId: row.principalId,
      };
    }
    const lastUsedAt = row.lastUsedAt;
    await this.touchKey(row.keyId, lastUsedAt, now);
    const principal: AuthenticatedPrincipal = {
      id: row.principalId,
      name: row.name,
      roles: row.roles,
      purposeCodes: row.purposeCodes,
      archivePurposeCodes: row.archivePurposeCodes,
      keyId: row.keyId,
      keyPrefix: row.prefix,
    };
    const expiresAt = row.expiresAt;
    this.cache.set(keyHash, { principal, expiresAt: expiresAt?.getTime() ?? null, lastUsedAt }, generation);
    return { ok: true, principal };
  }

  private async touchKey(keyId: string, lastUsedAt: Date | null, now: Date): Promise<void> {
    if (!lastUsedIsStale(lastUsedAt, now)) return;
    const writtenAt = this.lastUsedWrites.get(keyId);
    if (writtenAt !== undefined && now.getTime() - writtenAt < LAST_USED_WRITE_INTERVAL_MS) return;
    if (this.lastUsedWrites.size > 10_000) this.lastUsedWrites.clear();
    this.lastUsedWrites.set(keyId, now.getTime());
    try {
      await this.repository.setLastUsed(keyId, now);
    } catch (e) {
      // Bookkeeping only: a failed write must not refuse an authenticated request.
      this.logger.warn({ err: e, keyId }, 'Could not record the last use of an API key');
    }
  }
}
