import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { decodeCursor, encodeCursor } from '../../common/pagination/cursor';
import { loadOrCreateSecret } from '../../common/secrets/local-secrets';
import { AuditChainVerifier, ChainBreak, ChainBreakReason } from './audit-chain-verifier';
import { toAuditEventRecord } from './audit-event.mapper';
import { GENESIS_HASH } from './audit-event.types';
import { AuditRangeInvalid } from './audit.errors';
import { readBySeqWindows } from './audit-seq-windows';
import { AuditSigner } from './audit-signer';
import { checkpointsMissingBreak, describeBreak } from './audit-break-messages';
import { LastSignedCheckpointFile } from './audit-signed-state';
import { AuditCheckpointRecord, AuditRepository } from './audit.repository';

export type { AuditCheckpointRecord } from './audit.repository';

export interface AuditPublicKey {
  algorithm: 'Ed25519';
  keyId: string;
  /** SPKI, PEM encoded. */
  publicKeyPem: string;
}

export interface AuditChainBreak extends ChainBreak {
  message: string;
}

export interface AuditVerification {
  ok: boolean;
  fromSeq: number;
  /** Last sequence examined: the requested toSeq, else the head when verification started. */
  toSeq: number;
  checkedEvents: number;
  /** The last event that verified (null when none did). */
  head: { seq: number; hash: string } | null;
  checkpoints: {
    /** Checkpoints in range whose signature verified and whose hash was compared. */
    checked: number;
    /** Checkpoints signed by another key (e.g. before a key rotation): not relied upon. */
    unverifiable: number;
    latest: AuditCheckpointRecord | null;
  };
  firstBreak: AuditChainBreak | null;
  verifiedAt: string;
}

export interface AuditCheckpointPage {
  items: AuditCheckpointRecord[];
  nextCursor: string | null;
}

const VERIFY_BATCH = 5_000;
/** Checkpoints per query of the export (GET /audit/checkpoints/export). */
export const CHECKPOINT_EXPORT_BATCH = 1_000;

/**
 * Integrity of the trail: walks the chain and the signed checkpoints (verify), signs the head
 * at an interval and on demand, and publishes the public key. Exported for the reports module
 * (integrity certificate).
 */
@Injectable()
export class AuditIntegrityService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AuditIntegrityService.name);
  private readonly signer: AuditSigner;
  private readonly lastSigned: LastSignedCheckpointFile;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly repository: AuditRepository,
  ) {
    if (config.AUDIT_SIGNING_KEY) {
      this.signer = AuditSigner.fromPrivateKey(config.AUDIT_SIGNING_KEY);
    } else {
      const secret = loadOrCreateSecret(
        config.DATA_DIR,
        'audit-signing-key',
        () => AuditSigner.generatePrivateKey(),
        (value) => AuditSigner.fromPrivateKey(value),
      );
      if (secret.created) {
        this.logger.warn('AUDIT_SIGNING_KEY is not set: generated an Ed25519 key under DATA_DIR/secrets');
      }
      this.signer = AuditSigner.fromPrivateKey(secret.value);
    }
    this.lastSigned = new LastSignedCheckpointFile(config.DATA_DIR);
  }

  onApplicationBootstrap(): void {
    const seconds = this.config.AUDIT_CHECKPOINT_INTERVAL_SECONDS;
    if (seconds <= 0) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.createCheckpoint()
        .catch((err: unknown) => this.logger.error({ err }, 'audit checkpoint failed'))
        .finally(() => (this.running = undefined));
    }, seconds * 1000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  publicKey(): AuditPublicKey {
    return { algorithm: 'Ed25519', keyId: this.signer.keyId, publicKeyPem: this.signer.publicKeyPem };
  }

  /**
   * Signs the current head (no-op when the latest checkpoint already covers it). The events since
   * the previous checkpoint are verified first: a broken chain is never sealed.
   * Returns null when the trail is empty.
   */
  async createCheckpoint(): Promise<AuditCheckpointRecord | null> {
    const head = await this.readHead();
    if (!head) return null;
    const latest = await this.latestCheckpoint();
    if (latest && latest.headSeq === head.seq && latest.headHash === head.hash) return latest;
    const sinceLatest = await this.verify({ fromSeq: latest?.headSeq ?? 1, toSeq: head.seq });
    if (!sinceLatest.ok) {
      this.logger.error({ firstBreak: sinceLatest.firstBreak }, 'audit chain broken: checkpoint refused');
      throw new Error(`The audit chain is broken at seq ${sinceLatest.firstBreak?.seq}; not signing it`);
    }
    const content = { headSeq: head.seq, headHash: head.hash, signedAt: new Date().toISOString() };
    const signature = this.signer.sign(content);
    const record = { ...content, keyId: this.signer.keyId, signature };
    const checkpoint = { id: await this.repository.insertCheckpoint(record), ...record };
    try {
      this.lastSigned.write(checkpoint);
    } catch (err) {
      // The row is the checkpoint; the copy is extra evidence. Say it is missing, do not fail.
      this.logger.error({ err }, 'the last signed checkpoint could not be kept under DATA_DIR');
    }
    return checkpoint;
  }

  /** The most recent checkpoint signed with the current key (for the integrity certificate). */
  async latestCheckpoint(): Promise<AuditCheckpointRecord | null> {
    return this.repository.latestCheckpointByKey(this.signer.keyId);
  }

  /** Every checkpoint, newest first (cursor pagination), so auditors can keep copies elsewhere. */
  async listCheckpoints(query: { limit?: number; cursor?: string }): Promise<AuditCheckpointPage> {
    const limit = query.limit ?? 50;
    const beforeId = query.cursor ? decodeCursor<[number]>(query.cursor, 1)[0] : undefined;
    const rows = await this.repository.checkpointsNewestFirst(limit + 1, beforeId);
    const items = rows.slice(0, limit);
    return {
      items,
      nextCursor: rows.length > limit ? encodeCursor([items[items.length - 1].id]) : null,
    };
  }

  /** Id of the latest checkpoint (0 when none): the end of a consistent export. */
  lastCheckpointId(): Promise<number> {
    return this.repository.lastCheckpointId();
  }

  /**
   * Every checkpoint with id <= upToId, oldest first, in keyset batches (constant memory whatever
   * their number): what GET /audit/checkpoints/export streams.
   */
  async *checkpointsUpTo(
    upToId: number,
    batch = CHECKPOINT_EXPORT_BATCH,
  ): AsyncGenerator<AuditCheckpointRecord[]> {
    let afterId = 0;
    while (afterId < upToId) {
      const records = await this.repository.checkpointsBetweenIds(afterId, upToId, batch);
      if (records.length === 0) return;
      yield records;
      if (records.length < batch) return;
      afterId = records[records.length - 1].id;
    }
  }

  /**
   * Walks events fromSeq..toSeq (default: the whole chain up to the head when called) and the
   * signed checkpoints in that range; reports the first broken link, or OK with the head.
   * Constant memory: events are read in keyset batches.
   */
  async verify(range: { fromSeq?: number; toSeq?: number } = {}): Promise<AuditVerification> {
    const fromSeq = range.fromSeq ?? 1;
    if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) {
      throw new AuditRangeInvalid('fromSeq must be a positive integer');
    }
    if (range.toSeq !== undefined && (!Number.isSafeInteger(range.toSeq) || range.toSeq < fromSeq)) {
      throw new AuditRangeInvalid('toSeq must be an integer greater than or equal to fromSeq', {
        fromSeq,
        toSeq: range.toSeq,
      });
    }
    // Checkpoints before the head: one signed after this read cannot look like a truncation.
    const checkpoints = await this.repository.checkpointsSealing(
      fromSeq,
      range.toSeq ?? Number.MAX_SAFE_INTEGER,
    );
    const head = await this.readHead();
    const toSeq = range.toSeq ?? Math.max(head?.seq ?? 0, fromSeq - 1);

    const breaks: ChainBreak[] = [];
    const sealed = new Map<number, AuditCheckpointRecord[]>();
    let unverifiable = 0;
    let checked = 0;
    let latest: AuditCheckpointRecord | null = null;
    for (const checkpoint of checkpoints) {
      if (checkpoint.keyId !== this.signer.keyId) {
        unverifiable += 1;
      } else if (!this.signer.verify(checkpoint, checkpoint.signature)) {
        breaks.push({
          seq: checkpoint.headSeq,
          reason: ChainBreakReason.CheckpointSignatureInvalid,
          expected: `a valid Ed25519 signature by key ${this.signer.keyId}`,
          found: `checkpoint ${checkpoint.id} with an invalid signature`,
        });
      } else {
        sealed.set(checkpoint.headSeq, [...(sealed.get(checkpoint.headSeq) ?? []), checkpoint]);
        latest = checkpoint;
      }
    }

    const verifier = await this.startVerifier(fromSeq, breaks);
    let walkBreak: ChainBreak | null = null;
    const batches = readBySeqWindows(
      (lo, hi, limit) => this.repository.eventsInSeqWindow(lo, hi, limit),
      fromSeq,
      Math.min(toSeq, head?.seq ?? 0),
      VERIFY_BATCH,
    );
    // The next batch is fetched while this one is hashed: the database works in parallel.
    let pending = verifier ? batches.next() : null;
    while (verifier && pending && !walkBreak) {
      const batch = await pending;
      if (batch.done) break;
      pending = batches.next();
      for (const row of batch.value) {
        const event = toAuditEventRecord(row);
        walkBreak = verifier.check(event);
        if (walkBreak) break;
        for (const checkpoint of sealed.get(event.seq) ?? []) {
          checked += 1;
          if (checkpoint.headHash !== event.hash) {
            walkBreak = {
              seq: event.seq,
              reason: ChainBreakReason.CheckpointMismatch,
              expected: checkpoint.headHash,
              found: event.hash,
            };
            break;
          }
        }
        if (walkBreak) break;
      }
    }
    // A prefetch left behind by an early break must neither leak nor become an unhandled rejection.
    void pending?.catch(() => undefined);
    void batches.return(undefined).catch(() => undefined);
    if (walkBreak) breaks.push(walkBreak);
    if (verifier && !walkBreak) {
      // Missing events at the end of the range: a gap below toSeq, or a tail cut under a checkpoint.
      const sealedBeyond = [...sealed.values()].flat().filter((c) => c.headSeq > verifier.lastSeq);
      if (sealedBeyond.length > 0) {
        const furthest = sealedBeyond[sealedBeyond.length - 1];
        breaks.push({
          seq: verifier.lastSeq + 1,
          reason: ChainBreakReason.TruncatedTail,
          expected: `events up to seq ${furthest.headSeq} (checkpoint ${furthest.id} signed at ${furthest.signedAt})`,
          found: verifier.lastSeq >= fromSeq ? `last event seq ${verifier.lastSeq}` : 'no event',
        });
      } else if (
        range.toSeq !== undefined &&
        verifier.lastSeq < toSeq &&
        head &&
        head.seq > verifier.lastSeq
      ) {
        breaks.push({
          seq: verifier.lastSeq + 1,
          reason: ChainBreakReason.MissingEvent,
          expected: `event seq ${verifier.lastSeq + 1}`,
          found: 'no event',
        });
      }
    }
    // Checkpoints that existed are gone: whoever removed them could have rewritten, with valid
    // hashes, everything after the last one that survives; nothing from there on is trusted.
    const removed = await this.repository.checkpointRemovalEvidence(this.keptOutside());
    if (removed && removed.sealedBefore + 1 <= toSeq) {
      breaks.push(checkpointsMissingBreak(removed, fromSeq));
    }
    const firstBreak = breaks.sort((a, b) => a.seq - b.seq)[0] ?? null;
    return {
      ok: firstBreak === null,
      fromSeq,
      toSeq,
      checkedEvents: verifier?.checkedEvents ?? 0,
      head:
        verifier && verifier.lastSeq >= fromSeq ? { seq: verifier.lastSeq, hash: verifier.lastHash } : null,
      checkpoints: { checked, unverifiable, latest },
      firstBreak: firstBreak ? { ...firstBreak, message: describeBreak(firstBreak) } : null,
      verifiedAt: new Date().toISOString(),
    };
  }

  /** The verifier anchored on the event before fromSeq (its stored hash), or null if that is gone. */
  private async startVerifier(fromSeq: number, breaks: ChainBreak[]): Promise<AuditChainVerifier | null> {
    if (fromSeq === 1) return new AuditChainVerifier(1, GENESIS_HASH);
    const anchor = await this.repository.eventHash(fromSeq - 1);
    if (anchor === null) {
      breaks.push({
        seq: fromSeq - 1,
        reason: ChainBreakReason.MissingEvent,
        expected: `event seq ${fromSeq - 1} (anchor of the range)`,
        found: 'no event',
      });
      return null;
    }
    return new AuditChainVerifier(fromSeq, anchor);
  }

  /** The last checkpoint this instance signed, from DATA_DIR, if its signature is ours and holds. */
  private keptOutside(): AuditCheckpointRecord | null {
    const kept = this.lastSigned.read();
    if (!kept || kept.keyId !== this.signer.keyId || !this.signer.verify(kept, kept.signature)) return null;
    return kept;
  }

  private readHead(): Promise<{ seq: number; hash: string } | null> {
    return this.repository.head();
  }
}
