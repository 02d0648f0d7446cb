import { createHmac, randomBytes } from 'node:crypto';
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../database/transaction';
import { AppConfig } from '../../config/app-config';
import { currentRequestId } from '../../common/request-context';
import { loadOrCreateSecret } from '../../common/secrets/local-secrets';
import type { Actor } from '../../policies/principal';
import { AuditBatchWriter } from './audit-batch-writer';
import { AuditRepository, AuditTrailCut } from './audit.repository';
import { AuditEventInput, AuditEventRecord, AuditTarget, GENESIS_HASH } from './audit-event.types';
import { AuditEventInvalid, AuditTrailTruncated, AuditTrailUnavailable } from './audit.errors';
import { chainHash } from './audit-hash';

export type { AuditTrailCut } from './audit.repository';

/** Advisory lock key serialising appends to the one chain across every instance. */
export const AUDIT_CHAIN_LOCK = 0x46_49_4e_41; // "FINA"

/** Group commit bounds: rows per multi-row insert, events waiting before back-pressure refuses. */
export const AUDIT_WRITER_MAX_BATCH = 1_000;
export const AUDIT_WRITER_MAX_QUEUED = 50_000;
/** After the one-statement append found the head moved (another writer), use the locked path this long. */
const FAST_PATH_PAUSE_MS = 1_000;

/** An event validated and normalised at the moment it happened, waiting for its seq and hash. */
export type PreparedAuditEvent = Omit<AuditEventRecord, 'seq' | 'prevHash' | 'hash'>;

// NUL and lone surrogates: PostgreSQL text and jsonb refuse them, which would fail a whole batch.
// eslint-disable-next-line no-control-regex
const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Appends events to the hash chain.
 * - `append` / `appendMany` go through the single in-process writer, which batches concurrent
 *   events into one multi-row insert per transaction (group commit) and resolves each caller
 *   only after that COMMIT (docs/adr/0015).
 * - `recordInTransaction` writes inside the caller's transaction, so a register change and its
 *   audit record commit (or roll back) together.
 * Both take the chain's advisory lock, so every instance appends to one linear chain.
 */
@Injectable()
export class AuditService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditService.name);
  private readonly hmacKey: string;
  private readonly writer: AuditBatchWriter<PreparedAuditEvent, AuditEventRecord>;
  /** The head this process's writer last committed: lets the next batch try the one-statement path. */
  private knownHead?: { seq: number; hash: string };
  private fastPathPausedUntil = 0;

  constructor(
    config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: AuditRepository,
  ) {
    if (config.AUDIT_HMAC_KEY) {
      this.hmacKey = config.AUDIT_HMAC_KEY;
    } else {
      const secret = loadOrCreateSecret(
        config.DATA_DIR,
        'audit-hmac-key',
        () => randomBytes(32).toString('base64'),
        (value) => {
          // The rule of AUDIT_HMAC_KEY; a generated key is 44 characters.
          if (value.length < 16) throw new Error('an HMAC key needs at least 16 characters');
        },
      );
      if (secret.created) this.logger.warn('AUDIT_HMAC_KEY is not set: generated one under DATA_DIR/secrets');
      this.hmacKey = secret.value;
    }
    this.writer = new AuditBatchWriter((events) => this.writeInOwnTransaction(events), {
      maxBatchSize: AUDIT_WRITER_MAX_BATCH,
      maxQueuedEvents: AUDIT_WRITER_MAX_QUEUED,
    });
  }

  /** Keyed hash of a data subject id: what the trail stores instead of the id. */
  subjectRef(subjectId: string): string {
    return createHmac('sha256', this.hmacKey).update(subjectId, 'utf8').digest('hex');
  }

  /**
   * Appends one event outside any caller transaction and resolves once it is durable.
   * Callers that must not proceed without their record (the access check) await this; it
   * rejects with AUDIT_TRAIL_UNAVAILABLE (503) when the commit fails, and at once with
   * AUDIT_TRAIL_OVERLOADED (503) when the writer's queue is full.
   * Never call it inside a transaction of your own: use recordInTransaction there.
   */
  async append(input: AuditEventInput): Promise<AuditEventRecord> {
    const [record] = await this.writer.submit([this.prepare(input, new Date())]);
    return record;
  }

  /** Appends several events, contiguous and in order, durably (one batch of the writer). */
  async appendMany(inputs: AuditEventInput[]): Promise<AuditEventRecord[]> {
    const now = new Date();
    return this.writer.submit(inputs.map((input) => this.prepare(input, now)));
  }

  /**
   * Records one event inside the caller's transaction (committed or rolled back with it). Inside
   * withDeferredRecords, the event is prepared now and written with the others at the end.
   */
  async recordInTransaction(manager: EntityManager, input: AuditEventInput): Promise<void> {
    const deferred = this.deferred.get(manager);
    if (deferred) deferred.push(this.prepare(input, new Date()));
    else await this.appendBatch(manager, [input]);
  }

  /**
   * Runs a long piece of work in the caller's transaction with its events held back, then appends
   * them in order at the end: the chain lock (which every instance's access-check records wait for)
   * is then held only for the last moments of the transaction, not for the whole of it.
   */
  async withDeferredRecords<T>(manager: EntityManager, work: () => Promise<T>): Promise<T> {
    if (this.deferred.has(manager)) return work();
    const pending: PreparedAuditEvent[] = [];
    this.deferred.set(manager, pending);
    let result: T;
    try {
      result = await work();
    } finally {
      this.deferred.delete(manager);
    }
    await this.insertChained(manager, pending);
    return result;
  }

  /**
   * Appends events in order inside the caller's transaction. The advisory lock is held until
   * that transaction ends, so the chain stays linear across instances.
   */
  async appendBatch(manager: EntityManager, inputs: AuditEventInput[]): Promise<AuditEventRecord[]> {
    const now = new Date();
    return this.insertChained(
      manager,
      inputs.map((input) => this.prepare(input, now)),
    );
  }

  /** Events held back by withDeferredRecords, per transaction. */
  private readonly deferred = new WeakMap<EntityManager, PreparedAuditEvent[]>();

  /**
   * The cut, when events a signed checkpoint covers are gone from the table (appends are then
   * refused with AUDIT_TRAIL_TRUNCATED); null when the trail can be appended to. One indexed read:
   * routes that would record only after streaming (reports) ask first, so they can answer with a
   * proper error instead of cutting their download.
   */
  async truncation(): Promise<AuditTrailCut | null> {
    return this.repository.trailCut();
  }

  /** Events waiting for the writer (for health and tests). */
  get pendingEvents(): number {
    return this.writer.pending;
  }

  /** Writes what is queued before the database connection closes (SIGTERM, app.close()). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.writer.close();
  }

  /**
   * Validates and normalises an event when it happens: the request id and the time are those
   * of the caller, not of the batch that later writes it; the payload is reduced to plain JSON
   * so that what is hashed is exactly what the database stores and returns.
   */
  prepare(input: AuditEventInput, occurredAt: Date): PreparedAuditEvent {
    if (typeof input.type !== 'string' || input.type.length === 0 || input.type.length > 200) {
      throw new AuditEventInvalid('An audit event needs a type of 1 to 200 characters');
    }
    const actor = normaliseActor(input.actor);
    const target: AuditTarget | null = input.target
      ? { type: String(input.target.type), id: String(input.target.id) }
      : null;
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(JSON.stringify(input.payload ?? {})) as Record<string, unknown>;
    } catch {
      throw new AuditEventInvalid(`The payload of audit event ${input.type} is not representable in JSON`);
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      throw new AuditEventInvalid(`The payload of audit event ${input.type} must be a JSON object`);
    }
    const event: PreparedAuditEvent = {
      occurredAt: occurredAt.toISOString(),
      type: input.type,
      actor,
      target,
      purposeCode: input.purposeCode ?? null,
      subjectRef: input.subjectId !== undefined ? this.subjectRef(input.subjectId) : null,
      payload,
      requestId: input.requestId ?? currentRequestId() ?? null,
    };
    if (containsUnstorableText(event)) {
      throw new AuditEventInvalid(
        `Audit event ${input.type} contains a NUL character or a lone surrogate, which cannot be stored`,
      );
    }
    return event;
  }

  private async writeInOwnTransaction(events: PreparedAuditEvent[]): Promise<AuditEventRecord[]> {
    try {
      const head = this.knownHead;
      this.knownHead = undefined;
      const tryFast =
        head && events.length <= AUDIT_WRITER_MAX_BATCH && Date.now() >= this.fastPathPausedUntil;
      const fast = tryFast ? await this.insertAfter(head, events) : null;
      // Another writer moved the head (several instances): stay on the locked path for a while.
      if (tryFast && !fast) this.fastPathPausedUntil = Date.now() + FAST_PATH_PAUSE_MS;
      const records = fast ?? (await inTransaction(this.dataSource, (m) => this.insertChained(m, events)));
      const last = records[records.length - 1];
      this.knownHead = { seq: last.seq, hash: last.hash };
      return records;
    } catch (error) {
      // A cut trail is no passing failure: say so (AUDIT_TRAIL_TRUNCATED), never "try again later".
      if (error instanceof AuditTrailTruncated) throw error;
      this.logger.error({ err: error, events: events.length }, 'audit batch not written');
      throw new AuditTrailUnavailable(
        'The audit trail could not record the event; it was not acknowledged. Try again later',
      );
    }
  }

  /**
   * One round trip (the writer's usual case): chains the events after the head this writer last
   * wrote and inserts them in ONE autocommit statement that takes the chain lock and inserts only
   * if the head is still that one. The statement's snapshot may predate the lock, so a concurrent
   * append (another instance, or recordInTransaction) is caught either by the head check (0 rows)
   * or by the primary key on seq (the next seq is taken: unique violation, nothing written);
   * both return null and the batch is written by the locked transaction instead. Resolving after
   * this statement means after its COMMIT.
   */
  private async insertAfter(
    head: { seq: number; hash: string },
    events: PreparedAuditEvent[],
  ): Promise<AuditEventRecord[] | null> {
    const records = chainAfter(head.seq, head.hash, events);
    // Straight to the driver's pool: an expected unique violation is not a failed query to log.
    const pool = (this.dataSource.driver as unknown as { master: RawPool }).master;
    try {
      const { rows: inserted } = await pool.query<{ seq: string }>(
        `WITH chain_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock($15::bigint) AS locked),
              head AS MATERIALIZED (SELECT e.seq, e.hash FROM chain_lock, audit_event e ORDER BY e.seq DESC LIMIT 1)
         ${INSERT_AUDIT_EVENTS_SQL}
          WHERE (SELECT seq FROM head) = $16::bigint AND (SELECT hash FROM head) = $17::text
            -- A checkpoint beyond the head: the tail was cut. Write nothing here; the locked
            -- path refuses it loudly (AUDIT_TRAIL_TRUNCATED).
            AND NOT EXISTS (SELECT 1 FROM audit_checkpoint c WHERE c.head_seq > $16::bigint)
         RETURNING seq`,
        [...insertParameters(records), AUDIT_CHAIN_LOCK, head.seq, head.hash],
      );
      return inserted.length === records.length ? records : null;
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /** Chains and inserts prepared events under the advisory lock, in the given manager's transaction. */
  private async insertChained(
    manager: EntityManager,
    events: PreparedAuditEvent[],
  ): Promise<AuditEventRecord[]> {
    if (events.length === 0) return [];
    await manager.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
    const [head] = await manager.query<{ seq: string | null; hash: string | null; sealed: string | null }[]>(
      `SELECT head.seq, head.hash, (SELECT max(head_seq) FROM audit_checkpoint) AS sealed
         FROM (SELECT 1) AS one
         LEFT JOIN LATERAL (SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1) AS head ON true`,
    );
    const headSeq = head.seq === null ? 0 : Number(head.seq);
    if (head.sealed !== null && headSeq < Number(head.sealed)) {
      // Events a signed checkpoint covers are gone (the tail was cut by someone bypassing the
      // guards). Chaining on would reuse sealed sequence numbers and blur the evidence: refuse, so
      // the break stays where it happened and every caller that needs a record fails closed.
      this.logger.fatal(
        { headSeq, sealedSeq: Number(head.sealed) },
        'Audit trail truncated below a signed checkpoint: appends refused until an operator intervenes',
      );
      throw truncatedError({ headSeq, sealedSeq: Number(head.sealed) });
    }
    const records = chainAfter(headSeq, head.hash ?? GENESIS_HASH, events);
    for (let i = 0; i < records.length; i += AUDIT_WRITER_MAX_BATCH) {
      const chunk = records.slice(i, i + AUDIT_WRITER_MAX_BATCH);
      await manager.query(INSERT_AUDIT_EVENTS_SQL, insertParameters(chunk));
    }
    return records;
  }
}

/** The error every route that needs a record answers with after a cut (docs/audit.md). */
export function truncatedError(cut: AuditTrailCut): AuditTrailTruncated {
  return new AuditTrailTruncated(
    `The audit trail was cut: it ends at seq ${cut.headSeq}, before the signed checkpoint at seq ` +
      `${cut.sealedSeq}. Nothing more can be recorded until an operator restores the missing events ` +
      '(an auditor can still export what remains and verify it)',
    cut,
  );
}

function chainAfter(headSeq: number, headHash: string, events: PreparedAuditEvent[]): AuditEventRecord[] {
  let seq = headSeq;
  let prevHash = headHash;
  const records: AuditEventRecord[] = [];
  for (const event of events) {
    seq += 1;
    const content = { ...event, seq };
    const hash = chainHash(prevHash, content);
    records.push({ ...content, prevHash, hash });
    prevHash = hash;
  }
  return records;
}

/** The part of pg's Pool (and of the embedded pool) used by the one-statement append. */
interface RawPool {
  query<T>(text: string, values: unknown[]): Promise<{ rows: T[] }>;
}

/**
 * Inserts chained records given as 14 column arrays ($1–$14, see insertParameters): one statement
 * whatever the batch size (no parameter-count limit).
 */
export const INSERT_AUDIT_EVENTS_SQL = `INSERT INTO audit_event (seq, occurred_at, type, actor_type, actor_id,
    actor_name, target_type, target_id, purpose_code, subject_ref, payload, request_id, prev_hash, hash)
  SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[],
    $7::text[], $8::text[], $9::text[], $10::text[], $11::jsonb[], $12::text[], $13::text[], $14::text[])`;

/** The 14 column arrays of INSERT_AUDIT_EVENTS_SQL. */
export function insertParameters(chunk: AuditEventRecord[]): unknown[] {
  return [
    chunk.map((r) => r.seq),
    chunk.map((r) => r.occurredAt),
    chunk.map((r) => r.type),
    chunk.map((r) => r.actor.type),
    chunk.map((r) => r.actor.id),
    chunk.map((r) => r.actor.name),
    chunk.map((r) => r.target?.type ?? null),
    chunk.map((r) => r.target?.id ?? null),
    chunk.map((r) => r.purposeCode),
    chunk.map((r) => r.subjectRef),
    chunk.map((r) => JSON.stringify(r.payload)),
    chunk.map((r) => r.requestId),
    chunk.map((r) => r.prevHash),
    chunk.map((r) => r.hash),
  ];
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  return e?.code === '23505' || e?.driverError?.code === '23505';
}

/** Only { type, id, name } is stored, so only that is hashed (extra properties would break verify). */
function normaliseActor(actor: Actor): Actor {
  if (!actor || typeof actor.id !== 'string' || typeof actor.name !== 'string') {
    throw new AuditEventInvalid('An audit event needs an actor with an id and a name');
  }
  if (actor.type !== 'principal' && actor.type !== 'system') {
    throw new AuditEventInvalid('An audit event actor is a principal or the system');
  }
  return { type: actor.type, id: actor.id, name: actor.name };
}

function containsUnstorableText(value: unknown): boolean {
  if (typeof value === 'string') return UNSTORABLE_TEXT.test(value);
  if (Array.isArray(value)) return value.some(containsUnstorableText);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => UNSTORABLE_TEXT.test(k) || containsUnstorableText(v));
  }
  return false;
}
