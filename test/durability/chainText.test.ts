import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openCase, withApp } from '../support/harness.js';

/**
 * Rows are hashed with JSON.stringify when written and verified from SQLite's
 * json_array() of the stored row. Whatever text staff type (any Unicode, control
 * characters, lone surrogates, quotes, backslashes) must give the same bytes both ways.
 */
describe('the hash chain over arbitrary text', () => {
  const env = withApp();

  it('verifies after notes of any text', async () => {
    const { app, staff } = env;
    const caseId = await openCase(app, staff);
    const texts = fc.sample(
      fc.oneof(fc.string({ unit: 'binary', minLength: 1 }), fc.string({ unit: 'grapheme', minLength: 1 }), fc.constantFrom('"\\\u0000\u001f\u007f\u2028\ud800', '\udfff x')),
      // A fixed seed, so a failure can be replayed.
      { numRuns: 300, seed: 20261123 },
    );
    let accepted = 0;
    for (const text of texts) {
      const r = await app.request('POST', `/api/cases/${caseId}/events`, { token: staff.facilitator.token, body: { type: 'ADD_NOTE', text } });
      if (r.status === 200) accepted++;
      else expect(r.status).toBe(422);
    }
    expect(accepted).toBeGreaterThan(200);
    expect(await app.services.store.verifyChain()).toEqual({ ok: true, events: 2 + accepted });
  });
});
