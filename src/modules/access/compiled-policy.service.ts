import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import {
  compileAccessPolicy,
  CompiledAccessPolicy,
  RegisterSnapshot,
} from '../../policies/access/compiled-access-policy';
import { ALL_SUBJECTS, SUBJECT_STATE_CHANNEL, SubjectStateService } from '../consents/subject-state.service';
import { InventoryService } from '../inventory/inventory.service';
import { PurposesService } from '../purposes/purposes.service';
import { REGISTER_CHANNEL, RegisterRevisionService } from '../register-revision/register-revision.service';
import { AccessCheckUnavailable } from './access.errors';

/** Safety-net poll of the revision (a lost notification is caught within this). */
const POLL_MS = 1_000;
const RECONNECT_MS = 1_000;
/** Without a live LISTEN connection, a policy last confirmed longer ago than this is not trusted. */
const STALE_AFTER_MS = 3_000;
/** The statement RegisterRevisionService.bump() runs inside every register write. */

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
  private listener?: Client;
  private listening = false;
  private pollTimer?: NodeJS.Timeout;
  private stopLocalCommits?: () => void;
  private reconnectTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly purposes: PurposesService,
    private readonly inventory: InventoryService,
    private readonly registerRevision: RegisterRevisionService,
    private readonly subjectState: SubjectStateService,
  ) {}

  onModuleInit(): void {
    // A register change committed by this instance makes the policy stale at COMMIT, before the
    // writer's response is sent, so the next check never uses the old policy.
    this.stopLocalCommits = this.registerRevision.onLocalCommit(() => {
      this.wantedRevision = Math.max(this.wantedRevision, (this.policy?.revision ?? 0) + 1);
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.catchUp();
    } catch (e) {
      // Checks answer 503 until a later poll succeeds.
      this.logger.error({ err: e }, 'Could not compile the access policy at start-up');
    }
    if (!this.config.embeddedDatabase) void this.connectListener();
    this.pollTimer = setInterval(() => void this.poll(), POLL_MS);
    this.pollTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.stopLocalCommits?.();
    clearInterval(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    await this.rebuilding?.catch(() => undefined);
    await this.listener?.end().catch(() => undefined);
  }

  /** The policy to decide with, or ACCESS_CHECK_UNAVAILABLE (fail closed). */
  async current(): Promise<CompiledAccessPolicy> {
    try {
      await this.catchUp();
    } catch (e) {
      this.logger.warn({ err: e }, 'Access policy rebuild failed');
    }
    if (!this.policy || !this.trusted()) {
      throw new AccessCheckUnavailable('The access policy cannot be loaded; no decision can be made');
    }
    return this.policy;
  }

  /** Revision of the policy in memory (for health and tests). */
  get revision(): number | undefined {
    return this.policy?.revision;
  }

  private trusted(): boolean {
    if (this.config.embeddedDatabase) return true; // in-process database: no network to lose
    return this.listening || Date.now() - this.lastConfirmedAt < STALE_AFTER_MS;
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
        // Read the revision first: a change committing meanwhile is in the data or re-announced.
        const revision = await this.registerRevision.current();
        const [purposes, inventory] = await Promise.all([
          this.purposes.listAll(),
          this.inventory.getPolicyInventory(),
        ]);
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
        this.lastConfirmedAt = Date.now();
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
      if (this.policy && revision <= this.policy.revision) this.lastConfirmedAt = Date.now();
      await this.catchUp();
    } catch (e) {
      this.logger.warn({ err: e }, 'Register revision poll failed');
    }
  }

  private async connectListener(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.config.DATABASE_URL,
      application_name: 'finalite-policy-listener',
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
    });
    const lost = (why: unknown) => {
      if (this.listener !== client) return;
      this.listening = false;
      this.listener = undefined;
      client.removeAllListeners();
      client.on('error', () => undefined);
      void client.end().catch(() => undefined);
      if (!this.stopped) {
        this.logger.warn({ err: why }, 'Register listener lost; reconnecting');
        this.reconnectTimer = setTimeout(() => void this.connectListener(), RECONNECT_MS);
        this.reconnectTimer.unref();
      }
    };
    this.listener = client;
    client.on('error', lost);
    client.on('end', () => lost(new Error('connection ended')));
    client.on('notification', (msg) => {
      if (msg.channel === REGISTER_CHANNEL) {
        // Any announcement means "changed": a payload that is not a number still forces a rebuild.
        const revision = Number(msg.payload);
        const announced = Number.isFinite(revision) ? revision : (this.policy?.revision ?? 0) + 1;
        this.wantedRevision = Math.max(this.wantedRevision, announced);
        void this.catchUp().catch((e: unknown) => this.logger.warn({ err: e }, 'Policy rebuild failed'));
      } else if (msg.channel === SUBJECT_STATE_CHANNEL && msg.payload) {
        this.subjectState.invalidateRef(msg.payload);
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${REGISTER_CHANNEL}`);
      await client.query(`LISTEN ${SUBJECT_STATE_CHANNEL}`);
      this.listening = true;
      // Anything announced while we were not listening is caught up now.
      this.subjectState.invalidateRef(ALL_SUBJECTS);
      await this.poll();
    } catch (e) {
      lost(e);
    }
  }
}
