import { describe, expect, it } from 'vitest';
import { withApp } from '../support/harness.js';

/** A guard on the test set-up itself: each vitest project's apps run on the store it names (vitest.config.ts). */
describe('the store the suites run on', () => {
  const env = withApp();

  it('is PostgreSQL in the postgres project and the SQLite file otherwise', () => {
    expect(env.app.services.where).toMatch(process.env.RJ_TEST_STORE === 'postgres' ? /^PostgreSQL at 127\.0\.0\.1:\d+\/rj_test_\w+$/ : /rj\.sqlite$/);
  });
});
