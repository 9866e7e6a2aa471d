import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // One PostgreSQL server for the run, for the suites that run against both stores.
    globalSetup: ['test/support/postgresServer.ts'],
    // Three at a time on two cores: much of the suite waits on fsync, child processes and Chromium.
    maxWorkers: 3,
    // A worker keeps its imported modules from one file to the next: importing the app afresh for each file
    // cost more than a sixth of the suite. The test files share no module state, and each opens its own database.
    isolate: false,
    // Safety nets, not assertions: the longest tests take about a minute beside two others on two cores.
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
