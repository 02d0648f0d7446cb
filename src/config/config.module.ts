import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config';
import { loadAppConfig } from './app-config.loader';

/**
 * Provides the validated AppConfig. Configuration is passed in explicitly (process.env by
 * main.ts, an explicit map by tests) so that two instances can run side by side in one
 * process, as the multi-instance tests do. See docs/adr/0003-configuration.md.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig | Record<string, string | undefined>): DynamicModule {
    const value = config instanceof AppConfig ? config : loadAppConfig(config);
    return {
      module: AppConfigModule,
      providers: [{ provide: AppConfig, useValue: value }],
      exports: [AppConfig],
    };
  }
}
