import { Injectable, Module, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { buildDataSourceOptions } from './data-source-options';
import { runMigrations, warnIfSuperuser } from './migration-runner';

@Injectable()
class DatabaseRoleCheck implements OnApplicationBootstrap {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // The embedded PGlite user is always a superuser, and alone in its process.
    if (!this.config.embeddedDatabase) await warnIfSuperuser(this.dataSource);
  }
}

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        // Schema changes only through migrations, applied before the app serves anything: on
        // PostgreSQL by runMigrations (locked, optionally as another role), embedded by TypeORM.
        if (!config.embeddedDatabase) await runMigrations(config);
        return {
          ...buildDataSourceOptions(config),
          migrationsRun: config.embeddedDatabase,
          autoLoadEntities: true,
          retryAttempts: 3,
          retryDelay: 1_000,
        };
      },
    }),
  ],
  providers: [DatabaseRoleCheck],
})
export class DatabaseModule {}
