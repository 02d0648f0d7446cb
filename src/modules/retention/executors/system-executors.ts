import type { Provider, Type } from '@nestjs/common';
import { ManualSystemExecutor } from './manual/manual.executor';
import { MysqlSystemExecutor } from './mysql/mysql.executor';
import { PostgresSystemExecutor } from './postgres/postgres.executor';
import type { SystemExecutor } from './system-executor';
import { WebhookSystemExecutor } from './webhook/webhook.executor';

/** Every system kind the engine purges: a new kind is one folder and one line here. */
export const SYSTEM_EXECUTORS: Type<SystemExecutor>[] = [
  PostgresSystemExecutor,
  MysqlSystemExecutor,
  WebhookSystemExecutor,
  ManualSystemExecutor,
];

/** The executor of each system kind (by `kind`). */
export class SystemExecutors {
  private readonly byKind: Map<string, SystemExecutor>;

  constructor(executors: SystemExecutor[]) {
    this.byKind = new Map(executors.map((e) => [e.kind, e]));
  }

  /** Undefined for a kind no executor handles (the dataset fails with that reason). */
  of(kind: string): SystemExecutor | undefined {
    return this.byKind.get(kind);
  }
}

/** The module's providers: each executor, and the registry built from them. */
export const SYSTEM_EXECUTOR_PROVIDERS: Provider[] = [
  ...SYSTEM_EXECUTORS,
  {
    provide: SystemExecutors,
    useFactory: (...executors: SystemExecutor[]) => new SystemExecutors(executors),
    inject: SYSTEM_EXECUTORS,
  },
];
