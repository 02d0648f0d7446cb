import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../database/transaction';
import { SYSTEM_ACTOR } from '../../policies/principal';
import { Role } from '../../policies/role.enum';
import { AuditService } from '../audit/audit.service';
import { generateApiKey, hashApiKey, visiblePrefixOf } from './api-key';
import { PrincipalCredentials } from './principal-credentials';
import { PrincipalsRepository } from './principals.repository';

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

/**
 * The bootstrap admin's keys, outside the API: the admin created on first start
 * (BootstrapAdminService) and the operator's key reset (npm run admin:reset-key). Both act as
 * the system actor and record their audit events in the same transaction as the change.
 */
@Injectable()
export class BootstrapAdminKeysService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: PrincipalsRepository,
    private readonly audit: AuditService,
    private readonly credentials: PrincipalCredentials,
  ) {}

  /**
   * First start: when no enabled admin exists, creates one holding `configuredKey`
   * (BOOTSTRAP_ADMIN_KEY) or a generated key that the caller prints once. The advisory lock
   * makes instances starting together create exactly one.
   */
  async ensureBootstrapAdmin(configuredKey?: string): Promise<BootstrapOutcome> {
    return inTransaction(this.dataSource, async (m) => {
      await this.repository.lockPrincipals(m);
      const admins = await this.repository.countEnabledAdmins(m);
      if (admins > 0) return { created: false, reason: 'admin_exists' };
      const generated = configuredKey ? undefined : generateApiKey();
      const key = configuredKey ?? generated!.key;
      const hash = hashApiKey(key);
      if (await this.repository.keyHashExists(m, hash)) {
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
    return this.credentials.change(async (m) => {
      await this.repository.lockPrincipals(m);
      const actor = SYSTEM_ACTOR;
      const generated = generateApiKey();
      const principal = await this.repository.lockFirstAdminCreatedBy(m, actor.id);
      if (!principal) {
        const created = await this.createBootstrapAdmin(m, generated.key, { label: RESET_KEY_LABEL });
        return { ...created, key: generated.key, created: true, revokedKeyPrefixes: [] };
      }
      if (principal.disabled) {
        principal.disabled = false;
        principal.updatedBy = actor.id;
        await this.repository.savePrincipal(m, principal);
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
      const live = await this.repository.liveKeysOf(m, principal.id);
      const now = new Date();
      for (const key of live) {
        key.revokedAt = now;
        await this.repository.saveKey(m, key);
        await this.audit.recordInTransaction(m, {
          type: 'key.revoked',
          actor,
          target: { type: 'principal', id: principal.id },
          payload: { keyId: key.id, keyPrefix: key.prefix, reason: RESET_KEY_LABEL },
        });
      }
      const saved = await this.credentials.insertKey(
        m,
        principal.id,
        visiblePrefixOf(generated.key),
        hashApiKey(generated.key),
        actor,
        { label: RESET_KEY_LABEL },
      );
      await this.credentials.recordKeyCreated(m, actor, principal.id, saved);
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
    const principal = await this.repository.insertPrincipal(m, {
      name: 'Bootstrap admin',
      roles: [Role.Admin],
      purposeCodes: [],
      disabled: false,
      createdBy: actor.id,
      updatedBy: actor.id,
    });
    const saved = await this.credentials.insertKey(
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
    await this.credentials.recordKeyCreated(m, actor, principal.id, saved);
    return { principalId: principal.id, keyPrefix: saved.prefix };
  }
}
