import { rowDate, rowJson } from '../../../database/raw-row';
import { returningRows } from '../../../database/returning-rows';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Role } from '../../../policies/role.enum';
import type { SessionEndReason } from './session.model';

/** A session with the state of its key and principal, read in one statement on every request. */
export interface SessionRecord {
  id: string;
  principalId: string;
  principalName: string;
  roles: Role[];
  purposeCodes: string[];
  disabled: boolean;
  keyId: string;
  keyPrefix: string;
  keyExpiresAt: Date | null;
  keyRevokedAt: Date | null;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  endedAt: Date | null;
}

interface SessionRow {
  id: string;
  principal_id: string;
  name: string;
  roles: Role[] | string;
  purpose_codes: string[] | string;
  disabled: boolean;
  key_id: string;
  prefix: string;
  key_expires_at: Date | string | null;
  revoked_at: Date | string | null;
  created_at: Date | string;
  last_seen_at: Date | string;
  expires_at: Date | string;
  ended_at: Date | string | null;
}

/** SQL of console_session (migration 1795400740000). */
@Injectable()
export class SessionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(
    m: EntityManager,
    session: { tokenHash: string; principalId: string; keyId: string; now: Date; expiresAt: Date },
  ): Promise<string> {
    const rows = await m.query<{ id: string }[]>(
      `INSERT INTO console_session (token_hash, principal_id, key_id, created_at, last_seen_at, expires_at)
       VALUES ($1, $2, $3, $4, $4, $5) RETURNING id`,
      [session.tokenHash, session.principalId, session.keyId, session.now, session.expiresAt],
    );
    return rows[0].id;
  }

  async findByTokenHash(tokenHash: string): Promise<SessionRecord | undefined> {
    const rows = await this.dataSource.query<SessionRow[]>(
      `SELECT s.id, s.principal_id, p.name, p.roles, p.purpose_codes, p.disabled,
              k.id AS key_id, k.prefix, k.expires_at AS key_expires_at, k.revoked_at,
              s.created_at, s.last_seen_at, s.expires_at, s.ended_at
         FROM console_session s
         JOIN api_key k ON k.id = s.key_id
         JOIN principal p ON p.id = s.principal_id
        WHERE s.token_hash = $1`,
      [tokenHash],
    );
    return rows.length === 0 ? undefined : toRecord(rows[0]);
  }

  /**
   * Ends an open session; false when it had already ended (a concurrent request, or sign-out),
   * so that exactly one caller records the end in the audit trail.
   */
  async end(m: EntityManager, id: string, reason: SessionEndReason, at: Date): Promise<boolean> {
    const rows = await returningRows<{ id: string }>(
      m,
      `UPDATE console_session SET ended_at = $3, end_reason = $2
        WHERE id = $1 AND ended_at IS NULL RETURNING id`,
      [id, reason, at],
    );
    return rows.length === 1;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE console_session SET last_seen_at = $2 WHERE id = $1 AND ended_at IS NULL AND last_seen_at < $2`,
      [id, at],
    );
  }
}

function toRecord(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    principalId: row.principal_id,
    principalName: row.name,
    roles: rowJson(row.roles),
    purposeCodes: rowJson(row.purpose_codes),
    disabled: row.disabled,
    keyId: row.key_id,
    keyPrefix: row.prefix,
    keyExpiresAt: rowDate(row.key_expires_at),
    keyRevokedAt: rowDate(row.revoked_at),
    createdAt: rowDate(row.created_at)!,
    lastSeenAt: rowDate(row.last_seen_at)!,
    expiresAt: rowDate(row.expires_at)!,
    endedAt: rowDate(row.ended_at),
  };
}
