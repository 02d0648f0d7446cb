import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../../config/app-config';
import { inTransaction } from '../../../database/transaction';
import { actorOf, AuthenticatedPrincipal, SYSTEM_ACTOR } from '../../../policies/principal';
import { Role } from '../../../policies/role.enum';
import { AuditService } from '../../audit/audit.service';
import { keyRefusal } from '../../principals/principal.model';
import { PrincipalAuthenticationService } from '../../principals/principal-authentication.service';
import { ConsoleNotForApplications } from '../auth.errors';
import type { ConsoleSessionResponseDto } from './dto/console-session.response.dto';
import {
  csrfTokenOf,
  generateSessionToken,
  hashSessionToken,
  lastSeenIsStale,
  sessionDeadline,
  SessionEndReason,
  sessionExpiry,
  SessionLimits,
} from './session.model';
import { SessionRecord, SessionRepository } from './session.repository';

export type SignInOutcome =
  | { ok: true; token: string; session: ConsoleSessionResponseDto }
  | { ok: false; reason: string; keyId?: string; keyPrefix?: string; principalId?: string };

export type SessionAuthentication =
  | { ok: true; principal: AuthenticatedPrincipal; sessionId: string }
  /** `ended`: the session was alive until this request found it expired or its key revoked. */
  | { ok: false; reason: 'unknown_session' | 'ended' };

/**
 * Console sessions (ADR 0043). A session is opened with an API key and stays tied to it: every
 * request reads the session with its key and principal from PostgreSQL (no cache), so revoking the
 * key or disabling the principal ends the session on every instance at the next request. Start,
 * end and expiry are recorded in the audit trail in the same transaction as the change.
 */
@Injectable()
export class SessionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly sessions: SessionRepository,
    private readonly principals: PrincipalAuthenticationService,
    private readonly audit: AuditService,
  ) {}

  private get limits(): SessionLimits {
    return {
      idleTimeoutMs: this.config.SESSION_IDLE_TIMEOUT_SECONDS * 1000,
      maxLifetimeMs: this.config.SESSION_MAX_LIFETIME_SECONDS * 1000,
    };
  }

  async signIn(apiKey: string): Promise<SignInOutcome> {
    const outcome = await this.principals.authenticate(apiKey);
    if (!outcome.ok) return outcome;
    const principal = outcome.principal;
    if (principal.roles.includes(Role.Application)) {
      throw new ConsoleNotForApplications(
        'An application principal cannot sign in to the console: use its key with the API',
      );
    }
    const { token, hash } = generateSessionToken();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.limits.maxLifetimeMs);
    const sessionId = await inTransaction(this.dataSource, async (m) => {
      const id = await this.sessions.insert(m, {
        tokenHash: hash,
        principalId: principal.id,
        keyId: principal.keyId,
        now,
        expiresAt,
      });
      await this.audit.recordInTransaction(m, {
        type: 'session.started',
        actor: actorOf(principal),
        target: { type: 'principal', id: principal.id },
        payload: { sessionId: id, keyId: principal.keyId, keyPrefix: principal.keyPrefix },
      });
      return id;
    });
    return {
      ok: true,
      token,
      session: this.view(principal, sessionId, token, { lastSeenAt: now, expiresAt }),
    };
  }

  /** Resolves a session cookie's token; ends (and records) a session found expired or revoked. */
  async authenticate(token: string): Promise<SessionAuthentication> {
    const record = await this.sessions.findByTokenHash(hashSessionToken(token));
    if (!record || record.endedAt) return { ok: false, reason: 'unknown_session' };
    const now = new Date();
    const ending =
      keyRefusal({ expiresAt: record.keyExpiresAt, revokedAt: record.keyRevokedAt }, record, now) ??
      sessionExpiry(record, this.limits, now);
    if (ending) {
      await this.end(record, ending, now);
      return { ok: false, reason: 'ended' };
    }
    if (lastSeenIsStale(record.lastSeenAt, this.limits, now)) await this.sessions.touch(record.id, now);
    return { ok: true, principal: principalOf(record), sessionId: record.id };
  }

  /** GET /auth/session: the session as the console shows it (read after authenticate()). */
  async describe(token: string): Promise<ConsoleSessionResponseDto | undefined> {
    const record = await this.sessions.findByTokenHash(hashSessionToken(token));
    if (!record || record.endedAt) return undefined;
    return this.view(principalOf(record), record.id, token, record);
  }

  async signOut(sessionId: string, principal: AuthenticatedPrincipal): Promise<void> {
    await inTransaction(this.dataSource, async (m) => {
      if (!(await this.sessions.end(m, sessionId, 'signed_out', new Date()))) return;
      await this.audit.recordInTransaction(m, {
        type: 'session.ended',
        actor: actorOf(principal),
        target: { type: 'principal', id: principal.id },
        payload: { sessionId, reason: 'signed_out' },
      });
    });
  }

  private async end(record: SessionRecord, reason: SessionEndReason, now: Date): Promise<void> {
    await inTransaction(this.dataSource, async (m) => {
      if (!(await this.sessions.end(m, record.id, reason, now))) return;
      const expired = reason === 'idle_timeout' || reason === 'max_lifetime';
      await this.audit.recordInTransaction(m, {
        type: expired ? 'session.expired' : 'session.ended',
        actor: SYSTEM_ACTOR,
        target: { type: 'principal', id: record.principalId },
        payload: { sessionId: record.id, reason, keyId: record.keyId },
      });
    });
  }

  private view(
    principal: AuthenticatedPrincipal,
    sessionId: string,
    token: string,
    clock: { lastSeenAt: Date; expiresAt: Date },
  ): ConsoleSessionResponseDto {
    return {
      id: sessionId,
      principal: { id: principal.id, name: principal.name, roles: [...principal.roles] },
      keyPrefix: principal.keyPrefix,
      idleExpiresAt: sessionDeadline(clock, this.limits).toISOString(),
      expiresAt: clock.expiresAt.toISOString(),
      idleTimeoutSeconds: this.config.SESSION_IDLE_TIMEOUT_SECONDS,
      csrfToken: csrfTokenOf(token),
    };
  }
}

function principalOf(record: SessionRecord): AuthenticatedPrincipal {
  return {
    id: record.principalId,
    name: record.principalName,
    roles: record.roles,
    purposeCodes: record.purposeCodes,
    keyId: record.keyId,
    keyPrefix: record.keyPrefix,
  };
}
