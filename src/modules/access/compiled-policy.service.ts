import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { FRESHNESS_HEARTBEAT_MS, monotonicNow, PgListener } from '../../database/pg-listener';
import { AppConfig } from '../../config/app-config';
import {
  compileAccessPolicy,
  CompiledAccessPolicy,
  RegisterSnapshot,
} from './decision/compiled-access-policy';
import { ALL_SUBJECTS, SUBJECT_STATE_CHANNEL, SubjectStateService } from '../consents/subject-state.service';
import { InventoryReadModel } from '../inventory/inventory-read-model.service';
import { PurposesService } from '../purposes/purposes.service';
import { REGISTER_CHANNEL, RegisterRevisionService } from '../register-revision/register-revision.service';
import { AccessCheckUnavailable } from './access.errors';

/** Safety-net poll of the revision (a lost notification is caught within this). */
const POLL_MS = 1_000;
/** Without a live LISTEN connection, a policy last confirmed longer ago than this is not trusted. */
const STALE_AFTER_MS = 3_000;

/**
 * Holds the access policy compiled from the register and keeps it current: PostgreSQL
 * LISTEN on a dedicated connection (register changes and subject-state changes from every
 * instance, within milliseconds), plus a revision poll every second as a safety net. In
 * embedded mode (single instance) the poll alone is enough. Checks wait for a rebuild in
 * progress, so a change already announced is never answered with the old policy. A register
 * write committed by this instance is seen synchronously (a TypeORM subscriber marks the policy
 * stale at COMMIT, before the writer's response is sent), so the next check never races the
 * notification.
 */
@Injectable()
export class CompiledPolicyService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CompiledPolicyService.name);
  private policy?: CompiledAccessPolicy;
  private rebuilding?: Promise<void>;
  /** Highest revision heard of (notification or poll). */
  private wantedRevision = 0;
  private lastConfirmedAt = 0;
  private listener?: PgListener;
  private pollTimer?: NodeJS.Timeout;
  private stopLocalCommits?: () => void;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly purposes: PurposesService,
    private readonly inventory: InventoryReadModel,
    private readonly registerRevision: RegisterRevisionService,
    private readonly subjectState: SubjectStateService,
  ) {}

  onModuleInit(): void {
    // A register change committed by this instance makes the policy stale at COMMIT, before the
    // writer's response is sent, so the next check never uses the old policy.
    this.stopLocalCommits = this.registerRevision.onLocalCommit(() => {
      this.wantedRevision = Math.max(this.wantedRevision, (this.policy?.revision ?? 0) + 1);
    });
    // Subject-state cache hits need this listener's proof of freshness (ADR 0011).
    if (!this.config.embeddedDatabase) this.subjectState.trustCacheWhileFresh(() => this.listener);
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.catchUp();
    } catch (e) {
      // Checks answer 503 until a later poll succeeds.
      this.logger.error({ err: e }, 'Could not compile the access policy at start-up');
    }
    if (!this.config.embeddedDatabase) this.startListener();
    this.pollTimer = setInterval(() => void this.poll(), POLL_MS);
    this.pollTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.stopLocalCommits?.();
    clearInterval(this.pollTimer);
    await this.rebuilding?.catch(() => undefined);
    await this.listener?.stop();
  }

  /** The policy to decide with, or ACCESS_CHECK_UNAVAILABLE (fail closed). */
  async current(): Promise<CompiledAccessPolicy> {
    let rebuildFailed = false;
    try {
      await this.catchUp();
    } catch (e) {
      rebuildFailed = true;
      this.logger.warn({ err: e }, 'Access policy rebuild failed');
    }
    // A newer register was announced but could not be read: deciding on the old one would answer
    // from a register known to be out of date (fail closed).
    const behind = rebuildFailed && !!this.policy && this.policy.revision < this.wantedRevision;
    if (!this.policy || behind || !this.trusted()) {
      throw new AccessCheckUnavailable('The access policy cannot be loaded; no decision can be made');
    }
    return this.policy;
  }

  /** Revision of the policy in memory (for health and tests). */
  get revision(): number | undefined {
    return this.policy?.revision;
  }

  /**
   * Trusted while the register revision was confirmed recently: by the poll, or by a listener
   * heartbeat (a half-open connection that still claims to listen stops counting within this).
   */
  private trusted(): boolean {
    if (this.config.embeddedDatabase) return true; // in-process database: no network to lose
    const confirmed = Math.max(this.lastConfirmedAt, this.listener?.confirmedAt ?? 0);
    return confirmed > 0 && monotonicNow() - confirmed < STALE_AFTER_MS;
  }

  /** Rebuilds until the policy is at least at the highest revision heard of. */
  private async catchUp(): Promise<void> {
    while (!this.policy || this.policy.revision < this.wantedRevision) {
      const before = this.policy?.revision;
      await this.rebuild();
      if (this.policy && this.policy.revision === before) break; // nothing newer to read
    }
  }

  private rebuild(): Promise<void> {
    this.rebuilding ??= (async () => {
      try {
        // One snapshot for the revision and what it numbers: a policy labelled N never holds
        // N+1's data (or half of it). Read-only, so it takes no lock and blocks no writer.
        const { revision, purposes, inventory } = await this.dataSource.transaction(
          'REPEATABLE READ',
          async (m) => {
            await m.query('SET TRANSACTION READ ONLY');
            const current = await this.registerRevision.current(m);
            return {
              revision: current,
              purposes: await this.purposes.listAll(m),
              inventory: await this.inventory.getPolicyInventory(m),
            };
          },
        );
        const snapshot: RegisterSnapshot = {
          revision,
          purposes: purposes.map((p) => ({
            code: p.code,
            version: p.version,
            status: p.status,
            parentCode: p.parentCode,
            legalBasis: p.legalBasis,
            specialCategoryCondition: p.specialCategoryCondition,
          })),
          fields: inventory.fields,
          bindings: inventory.bindings,
        };
        if (!this.policy || revision >= this.policy.revision) this.policy = compileAccessPolicy(snapshot);
        this.wantedRevision = Math.max(this.wantedRevision, revision);
        this.lastConfirmedAt = monotonicNow();
      } finally {
        this.rebuilding = undefined;
      }
    })();
    return this.rebuilding;
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    try {
      const revision = await this.registerRevision.current();
      this.wantedRevision = Math.max(this.wantedRevision, revision);
      if (this.policy && revision <= this.policy.revision) this.lastConfirmedAt = monotonicNow();
      await this.catchUp();
    } catch (e) {
      this.logger.warn({ err: e }, 'Register revision poll failed');
    }
  }

  private startListener(): void {
    this.listener = new PgListener({
      connectionString: this.config.DATABASE_URL!,
      applicationName: 'finalite-policy-listener',
      channels: [REGISTER_CHANNEL, SUBJECT_STATE_CHANNEL],
      heartbeatMs: FRESHNESS_HEARTBEAT_MS,
      onNotification: (channel, payload) => {
        if (channel === REGISTER_CHANNEL) {
          // Any announcement means "changed": a payload that is not a number still forces a rebuild.
          const revision = Number(payload);
          const announced = Number.isFinite(revision) ? revision : (this.policy?.revision ?? 0) + 1;
          this.wantedRevision = Math.max(this.wantedRevision, announced);
          void this.catchUp().catch((e: unknown) => this.logger.warn({ err: e }, 'Policy rebuild failed'));
        } else if (channel === SUBJECT_STATE_CHANNEL && payload) {
          this.subjectState.invalidateRef(payload);
        }
      },
      onListening: async () => {
        // Anything announced while we were not listening is caught up now.
        this.subjectState.invalidateRef(ALL_SUBJECTS);
        await this.poll();
      },
      onLost: (why) => this.logger.warn({ err: why }, 'Register listener lost; reconnecting'),
    });
    this.listener.start();
  }
}
