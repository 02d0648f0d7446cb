import { createHmac, randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../database/transaction';
import { AppConfig } from '../../config/app-config';
import { currentRequestId } from '../../common/request-context';
import { loadOrCreateSecret } from '../../common/secrets/local-secrets';
import { AuditEventInput, AuditEventRecord, GENESIS_HASH } from './audit-event.types';
import { chainHash } from './audit-hash';

/** Advisory lock key serialising appends to the one chain across every instance. */
export const AUDIT_CHAIN_LOCK = 0x46_49_4e_41; // "FINA"

/**
 * Appends events to the hash chain. `recordInTransaction` writes inside the caller's
 * transaction, so a register change and its audit record commit (or roll back) together.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);
  private readonly hmacKey: string;

  constructor(
    config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    if (config.AUDIT_HMAC_KEY) {
      this.hmacKey = config.AUDIT_HMAC_KEY;
    } else {
      const secret = loadOrCreateSecret(config.DATA_DIR, 'audit-hmac-key', () =>
        randomBytes(32).toString('base64'),
      );
      if (secret.created) this.logger.warn('AUDIT_HMAC_KEY is not set: generated one under DATA_DIR/secrets');
      this.hmacKey = secret.value;
    }
  }

  /** Keyed hash of a data subject id: what the trail stores instead of the id. */
  subjectRef(subjectId: string): string {
    return createHmac('sha256', this.hmacKey).update(subjectId, 'utf8').digest('hex');
  }

  /**
   * Appends one event outside any caller transaction and resolves once it is durable.
   * Callers that must not proceed without their record (the access check) await this.
   */
  async append(input: AuditEventInput): Promise<AuditEventRecord> {
    const [record] = await this.appendMany([input]);
    return record;
  }

  /** Appends several events, in order, durably (one transaction). */
  async appendMany(inputs: AuditEventInput[]): Promise<AuditEventRecord[]> {
    return inTransaction(this.dataSource, (m) => this.appendBatch(m, inputs));
  }

  async recordInTransaction(manager: EntityManager, input: AuditEventInput): Promise<AuditEventRecord> {
    const [record] = await this.appendBatch(manager, [input]);
    return record;
  }

  /**
   * Appends events in order as one multi-row insert. Must run inside a transaction: the
   * advisory lock is held until it commits, so the chain stays linear across instances.
   */
  async appendBatch(manager: EntityManager, inputs: AuditEventInput[]): Promise<AuditEventRecord[]> {
    if (inputs.length === 0) return [];
    await manager.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
    const head = await manager.query<{ seq: string; hash: string }[]>(
      'SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1',
    );
    let seq = head.length ? Number(head[0].seq) : 0;
    let prevHash = head.length ? head[0].hash : GENESIS_HASH;
    const records: AuditEventRecord[] = [];
    for (const input of inputs) {
      seq += 1;
      const base = {
        seq,
        occurredAt: new Date().toISOString(),
        type: input.type,
        actor: input.actor,
        target: input.target ?? null,
        purposeCode: input.purposeCode ?? null,
        subjectRef: input.subjectId !== undefined ? this.subjectRef(input.subjectId) : null,
        payload: input.payload ?? {},
        requestId: input.requestId ?? currentRequestId() ?? null,
      };
      const hash = chainHash(prevHash, base);
      records.push({ ...base, prevHash, hash });
      prevHash = hash;
    }
    const columns = 14;
    const placeholders = records
      .map((_, i) => `(${Array.from({ length: columns }, (__, j) => `$${i * columns + j + 1}`).join(',')})`)
      .join(',');
    const params = records.flatMap((r) => [
      r.seq,
      r.occurredAt,
      r.type,
      r.actor.type,
      r.actor.id,
      r.actor.name,
      r.target?.type ?? null,
      r.target?.id ?? null,
      r.purposeCode,
      r.subjectRef,
      JSON.stringify(r.payload),
      r.requestId,
      r.prevHash,
      r.hash,
    ]);
    await manager.query(
      `INSERT INTO audit_event (seq, occurred_at, type, actor_type, actor_id, actor_name, target_type, target_id,
         purpose_code, subject_ref, payload, request_id, prev_hash, hash) VALUES ${placeholders}`,
      params,
    );
    return records;
  }
}
