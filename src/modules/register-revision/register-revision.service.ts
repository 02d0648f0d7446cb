import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { inTransaction } from '../../database/transaction';
import { RegisterRevisionRepository } from './register-revision.repository';

/** NOTIFY channel carrying the new revision number when the register changes. */
export const REGISTER_CHANNEL = 'finalite_register';

/**
 * A counter of register changes (purposes, fields, bindings, application authorisations).
 * Every write to the register calls bump() inside its transaction: the new revision and its
 * NOTIFY become visible only on commit, so listeners (the compiled access policy on every
 * instance) rebuild exactly when the change is durable. Decisions carry the revision they used.
 *
 * Within this process, onLocalCommit() listeners are told synchronously at COMMIT, before the
 * writer's response is sent, so the next request never races a NOTIFY still in flight (and
 * embedded mode, which has no LISTEN, needs nothing else).
 */
@Injectable()
export class RegisterRevisionService implements OnModuleInit {
  private readonly bumpedIn = new WeakSet<QueryRunner>();
  private readonly localCommitListeners = new Set<() => void>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: RegisterRevisionRepository,
  ) {}

  onModuleInit(): void {
    this.dataSource.subscribers.push({
      afterTransactionCommit: ({ queryRunner }) => {
        if (this.bumpedIn.delete(queryRunner)) this.announceLocalCommit();
      },
      afterTransactionRollback: ({ queryRunner }) => {
        this.bumpedIn.delete(queryRunner);
      },
    });
  }

  /**
   * A transaction for a register write: it first locks the revision row, so register writers
   * (purposes, inventory, import, application authorisations) run one at a time and each reads
   * the register as the previous one left it. Rules that span objects (a parent's status, the
   * bindings of a special-category field) then cannot be broken by two concurrent writes, and the
   * row lock always comes before the audit chain lock (one lock order, no deadlock).
   */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return inTransaction(this.dataSource, async (m) => {
      await this.lock(m);
      return work(m);
    });
  }

  /** Takes the register write lock in the caller's transaction (held until it ends). */
  async lock(manager: EntityManager): Promise<void> {
    await this.repository.lockRow(manager);
  }

  async bump(manager: EntityManager): Promise<number> {
    const revision = await this.repository.increment(manager);
    if (!Number.isSafeInteger(revision)) throw new Error('register_revision row is missing');
    await this.repository.notify(manager, REGISTER_CHANNEL, revision);
    const runner = manager.queryRunner;
    if (runner?.isTransactionActive) this.bumpedIn.add(runner);
    else this.announceLocalCommit(); // auto-committed already
    return revision;
  }

  current(manager: EntityManager = this.dataSource.manager): Promise<number> {
    return this.repository.read(manager);
  }

  /** Calls listener each time a register change made by this process commits. Returns an unsubscribe. */
  onLocalCommit(listener: () => void): () => void {
    this.localCommitListeners.add(listener);
    return () => this.localCommitListeners.delete(listener);
  }

  private announceLocalCommit(): void {
    for (const listener of this.localCommitListeners) listener();
  }
}
