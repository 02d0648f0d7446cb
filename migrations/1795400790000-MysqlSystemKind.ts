import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The `mysql` system kind (MySQL 8, MariaDB 10.6+; ADR 0049): systems may be of that kind, and a
 * run's datasets may be executed by the mysql executor. Down refuses while mysql rows exist (it
 * would otherwise have to delete register entries or run history).
 */
export class MysqlSystemKind1795400790000 implements MigrationInterface {
  name = 'MysqlSystemKind1795400790000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE inventory_system DROP CONSTRAINT inventory_system_kind_check,
        ADD CONSTRAINT inventory_system_kind_check CHECK (kind IN ('postgres', 'mysql', 'webhook', 'manual')),
        DROP CONSTRAINT inventory_system_connection_kind,
        ADD CONSTRAINT inventory_system_connection_kind
          CHECK (connection_string_encrypted IS NULL OR kind IN ('postgres', 'mysql'))`);
    await q.query(`
      ALTER TABLE retention_run_dataset DROP CONSTRAINT retention_run_dataset_executor_check,
        ADD CONSTRAINT retention_run_dataset_executor_check
          CHECK (executor IN ('postgres', 'mysql', 'webhook', 'manual'))`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE retention_run_dataset DROP CONSTRAINT retention_run_dataset_executor_check,
        ADD CONSTRAINT retention_run_dataset_executor_check
          CHECK (executor IN ('postgres', 'webhook', 'manual'))`);
    await q.query(`
      ALTER TABLE inventory_system DROP CONSTRAINT inventory_system_kind_check,
        ADD CONSTRAINT inventory_system_kind_check CHECK (kind IN ('postgres', 'webhook', 'manual')),
        DROP CONSTRAINT inventory_system_connection_kind,
        ADD CONSTRAINT inventory_system_connection_kind
          CHECK (connection_string_encrypted IS NULL OR kind = 'postgres')`);
  }
}
