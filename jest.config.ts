import type { Config } from 'jest';

// Three tiers: fast unit specs beside the code; integration suites that run one module's
// services against a real PostgreSQL database without booting the app (test/integration);
// end-to-end suites that boot the whole app against the real PostgreSQL / Redis. Each
// integration or e2e suite owns its own database.
const tsJest: Config['transform'] = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
};

const config: Config = {
  maxWorkers: 2,
  testTimeout: 60_000,
  transform: tsJest,
  // Redis hygiene: one key prefix per run, deleted suite by suite, checked at the end.
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  projects: [
    {
      displayName: 'unit',
      rootDir: '.',
      testEnvironment: 'node',
      moduleFileExtensions: ['ts', 'js', 'json'],
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/migrations/**/*.spec.ts'],
      transform: tsJest,
    },
    {
      displayName: 'integration',
      rootDir: '.',
      testEnvironment: 'node',
      moduleFileExtensions: ['ts', 'js', 'json'],
      setupFilesAfterEnv: ['<rootDir>/test/setup/redis-cleanup.ts'],
      testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'],
      transform: tsJest,
    },
    {
      displayName: 'e2e',
      rootDir: '.',
      testEnvironment: 'node',
      moduleFileExtensions: ['ts', 'js', 'json'],
      setupFilesAfterEnv: ['<rootDir>/test/setup/redis-cleanup.ts'],
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      transform: tsJest,
      slowTestThreshold: 30,
    },
  ],
};

export default config;
