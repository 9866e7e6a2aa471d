import { beforeEach, describe, expect, it } from 'vitest';
import { caseClient, types } from '../api/apiSteps.js';
import { openCase, withApp } from '../support/harness.js';
import { countRows } from '../support/rawDatabase.js';
import { invitedCase, partyClient } from '../web/partySteps.js';
import { staffBrowser } from '../web/staffBrowser.js';

const hours = (n: number) => n * 60 * 60 * 1000;
const minutes = (n: number) => n * 60 * 1000;

describe('the retention sweep', () => {
  const env = withApp();
  const sweep = () => env.app.services.retention.sweep();
  const idempotencyRows = () => countRows(env.app, 'idempotency_keys');
  const partySessions = () => countRows(env.app, 'party_sessions');

  // Each test starts clear of the last one's rows and in a fresh rate-limit minute.
  beforeEach(async () => {
    env.app.clock.advance(hours(48));
    await sweep();
  });

  it('keeps an Idempotency-Key for a day, then forgets it: a retry after that is a new request', async () => {
    const c = caseClient(env.app, await openCase(env.app, env.staff));
    const f = env.staff.facilitator.token;
    const send = (key: string) => c.send(f, { type: 'ADD_NOTE', text: `note sent with ${key}` }, { 'Idempotency-Key': key });

    const early = await send('early');
    expect(early.status, JSON.stringify(early.body)).toBe(200);
    env.app.clock.advance(hours(12));
    expect((await send('later')).status).toBe(200);
    expect(await idempotencyRows()).toBe(2);

    // 23 hours on, both keys still replay their first answer.
    env.app.clock.advance(hours(11));
    expect(await sweep()).toEqual({ idempotencyKeys: 0, partySessions: 0, staffSessions: 0 });
    const replay = await send('early');
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(early.body);

    // Just over a day after the first: only the first key is deleted.
    env.app.clock.advance(hours(1) + minutes(1));
    expect(await sweep()).toEqual({ idempotencyKeys: 1, partySessions: 0, staffSessions: 0 });
    expect(await idempotencyRows()).toBe(1);
    expect((await send('later')).headers.get('idempotent-replayed')).toBe('true');
    const retried = await send('early');
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(retried.body.case.version).toBe(early.body.case.version + 2);
    expect(types(await c.history(f)).filter((t) => t === 'ADD_NOTE')).toHaveLength(3);

    // Over a day after the last: every row is old enough to go.
    env.app.clock.advance(hours(25));
    expect(await sweep()).toEqual({ idempotencyKeys: 2, partySessions: 0, staffSessions: 0 });
    expect(await idempotencyRows()).toBe(0);
  });

  it('deletes a staff session once its 12 hours are over, signed out or not, and not before', async () => {
    const staffSessions = () => countRows(env.app, 'staff_sessions');
    await staffBrowser(env.app).signIn(env.staff.facilitator.email);
    const signedOut = staffBrowser(env.app);
    const home = await signedOut.signIn(env.staff.supervisor.email);
    await signedOut.post('/sign-out', signedOut.hiddenOf(home, '/sign-out'));
    expect(await staffSessions()).toBe(2);

    env.app.clock.advance(hours(12) - minutes(1));
    expect(await sweep()).toEqual({ idempotencyKeys: 0, partySessions: 0, staffSessions: 0 });
    env.app.clock.advance(minutes(1));
    expect(await sweep()).toEqual({ idempotencyKeys: 0, partySessions: 0, staffSessions: 2 });
    expect(await staffSessions()).toBe(0);
  });

  it('deletes a party session once it has expired, and not before', async () => {
    const { token } = await invitedCase(env.app, env.staff);
    await partyClient(env.app).open(token);
    expect(await partySessions()).toBe(1);

    env.app.clock.advance(minutes(29));
    expect(await sweep()).toEqual({ idempotencyKeys: 0, partySessions: 0, staffSessions: 0 });
    expect(await partySessions()).toBe(1);

    env.app.clock.advance(minutes(1));
    expect(await sweep()).toEqual({ idempotencyKeys: 0, partySessions: 1, staffSessions: 0 });
    expect(await partySessions()).toBe(0);
  });
});
