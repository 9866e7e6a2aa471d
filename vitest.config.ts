import { defineConfig } from 'vitest/config';
import { HeavyFirst } from './test/support/heavyFirst.js';

/**
 * Every API and mail suite, and the durability suites that go through the app's own interfaces, run a second
 * time with the app on PostgreSQL (test/support/harness.ts); the rows they read or change beside the app go
 * through test/support/rawDatabase.ts. A new API or mail suite joins both at once. The durability suites left
 * on SQLite alone read or rewrite SQLite's file itself (old chain rules, backups, machine versions on disk),
 * or start PostgreSQL themselves. The store contract suite (test/store/contract/) runs every store behaviour
 * against both.
 */
const onBothStores = ['test/api/*.test.ts', 'test/mail/*.test.ts', 'test/durability/{concurrency,restart,retention,tamper}.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    // One PostgreSQL server for the run, for the suites that run against both stores.
    globalSetup: ['test/support/postgresServer.ts'],
    // Three at a time on two cores: much of the suite waits on fsync, PostgreSQL, child processes and Chromium.
    maxWorkers: 3,
    // The longest files first, so that none starts last and holds the run open alone.
    sequence: { sequencer: HeavyFirst },
    // A worker keeps its imported modules from one file to the next: importing the app afresh for each file
    // cost more than a sixth of the suite. The test files share no module state, and each opens its own database.
    isolate: false,
    // Safety nets, not assertions: the longest tests take about a minute beside two others on two cores.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'postgres', include: onBothStores, env: { RJ_TEST_STORE: 'postgres' } } },
    ],
  },
});
