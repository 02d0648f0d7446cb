import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { isFresh, PgListener, waitForPropagation } from '../../database/pg-listener';
import { AuditService } from '../audit/audit.service';
import type { SubjectState } from './consent.model';
import { ConsentsRepository } from './consents.repository';

/** NOTIFY channel: a subject's consent/restriction state changed (payload: its keyed hash, or '*'). */
export const SUBJECT_STATE_CHANNEL = 'finalite_subject_state';
export const ALL_SUBJECTS = '*';

/** How long a subject's state is reused at most, even with fresh notifications (defence in depth). */
const TTL_MS = 1_000;
const MAX_ENTRIES = 100_000;

interface PendingLoad {
  ids: Set<string>;
  result: Promise<Map<string, SubjectState>>;
}

/**
 * Consent and restriction state per subject for the access check: one indexed round-trip per
 * cache miss (several subjects at once for a batch), cached briefly and invalidated on change
 * (locally at once; on other instances by NOTIFY). With PostgreSQL, a hit is used only while the
 * listener proves it has handled every notification committed PROPAGATION_MS ago, and writers of
 * withdrawals and restrictions wait that long (changed()): so they hold at once on every instance.
 * Cache keys are the subjects' keyed hashes so that notifications never carry a subject id.
 */
@Injectable()
export class SubjectStateService {
  private readonly cache = new Map<string, { state: SubjectState; expiresAt: number }>();
  /** Bumped by every invalidation: a lookup that raced with a change does not fill the cache. */
  private generation = 0;
  /** The lookup being gathered for this turn of the event loop (see load). */
  private pendingLoad?: PendingLoad;
  /** The listener whose notifications invalidate this cache; unset in embedded mode (one process). */
  private listener?: () => PgListener | undefined;

  constructor(
    private readonly repository: ConsentsRepository,
    private readonly audit: AuditService,
  ) {}

  async get(subjectId: string): Promise<SubjectState> {
    return (await this.getMany([subjectId])).get(subjectId)!;
  }

  async getMany(subjectIds: string[]): Promise<Map<string, SubjectState>> {
    const result = new Map<string, SubjectState>();
    const missing: string[] = [];
    const refs = new Map<string, string>();
    const now = Date.now();
    const trusted = !this.listener || isFresh(this.listener());
    for (const id of new Set(subjectIds)) {
      const ref = this.audit.subjectRef(id);
      const hit = trusted ? this.cache.get(ref) : undefined;
      if (hit && hit.expiresAt > now) result.set(id, hit.state);
      else {
        missing.push(id);
        refs.set(id, ref);
      }
    }
    if (missing.length === 0) return result;
    const generation = this.generation;
    const loaded = await this.load(missing);
    const fill = generation === this.generation;
    if (fill && this.cache.size + missing.length > MAX_ENTRIES) this.cache.clear();
    const expiresAt = Date.now() + TTL_MS;
    for (const id of missing) {
      const state = loaded.get(id) ?? { consents: new Map(), restrictions: [], archived: new Map() };
      result.set(id, state);
      if (fill) this.cache.set(refs.get(id)!, { state, expiresAt });
    }
    return result;
  }

  /** Called by the owner of the LISTEN connection on SUBJECT_STATE_CHANNEL (not in embedded mode). */
  trustCacheWhileFresh(listener: () => PgListener | undefined): void {
    this.listener = listener;
  }

  /**
   * After a change to a subject's state commits (one subject or ALL_SUBJECTS), before answering:
   * forget it here. When the change restricts use (a withdrawal, a restriction), also wait until no
   * other instance can still answer from older state; a grant or a lift may arrive late.
   */
  async changed(subjectId: string, restrictsUse: boolean): Promise<void> {
    this.invalidateRef(subjectId === ALL_SUBJECTS ? ALL_SUBJECTS : this.audit.subjectRef(subjectId));
    if (restrictsUse && this.listener) await waitForPropagation();
  }

  /** Forget by keyed hash (from a notification) or everything ('*'). */
  invalidateRef(subjectRef: string): void {
    this.generation += 1;
    if (subjectRef === ALL_SUBJECTS) this.cache.clear();
    else this.cache.delete(subjectRef);
  }

  /** Tells the other instances, on commit, that a subject's state changed (one subject, or ALL_SUBJECTS). */
  async notifyChanged(m: EntityManager, subjectId: string): Promise<void> {
    const payload = subjectId === ALL_SUBJECTS ? ALL_SUBJECTS : this.audit.subjectRef(subjectId);
    await this.repository.notify(m, SUBJECT_STATE_CHANNEL, payload);
  }

  /**
   * Lookups asked for in the same turn of the event loop (concurrent checks) share one query:
   * under load, one round trip serves many requests instead of one each.
   */
  private load(subjectIds: string[]): Promise<Map<string, SubjectState>> {
    let batch = this.pendingLoad;
    if (!batch) {
      const ids = new Set<string>();
      // The query is sent only after this turn: whoever joins has asked before it reads.
      const result = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        if (this.pendingLoad?.ids === ids) this.pendingLoad = undefined;
        return this.repository.subjectStates([...ids]);
      });
      this.pendingLoad = batch = { ids, result };
    }
    for (const id of subjectIds) batch.ids.add(id);
    return batch.result;
  }
}
