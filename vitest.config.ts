import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'collector/test/**/*.test.ts',
      'clickhouse/test/**/*.test.ts',
      'grafana/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    // Embedded ClickHouse and the local provider servers make some suites slow to start.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: keep file-level parallelism modest so ClickHouse-backed suites do not starve.
    maxWorkers: 2,
    pool: 'forks',
  },
});
