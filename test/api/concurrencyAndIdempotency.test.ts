import { describe, expect, it } from 'vitest';
import { days, openCase, withApp } from '../support/harness.js';
import { rawDatabase } from '../support/rawDatabase.js';
import { caseClient, types, type CaseClient } from './apiSteps.js';

describe('optimistic concurrency (If-Match) and idempotency (Idempotency-Key)', () => {
  const env = withApp();

  const state = async (c: CaseClient) => {
    const view = await c.get(env.staff.supervisor.token);
    const h = await c.history(env.staff.supervisor.token);
    return { version: view.version as number, types: types(h), notices: h.notices.length };
  };

  it('If-Match with the current version is accepted; a stale one is 409 with allowedEvents and changes nothing', async () => {
    const c = caseClient(env.app, await openCase(env.app, env.staff));
    const f = env.staff.facilitator.token;
    const v = (await c.get(f)).version as number;

    const first = await c.send(f, { type: 'ADD_NOTE', text: 'first' }, { 'If-Match': `"${v}"` });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.case.version).toBe(v + 1);

    const before = await state(c);
    const stale = await c.send(f, { type: 'INVITE_VICTIM' }, { 'If-Match': `"${v}"` });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: expect.any(String), version: v + 1 });
    expect(stale.body.allowedEvents).toEqual((await c.get(f)).allowedEvents);
    expect(stale.body.allowedEvents).toContain('INVITE_VICTIM');
    // A version from the future is just as stale.
    expect((await c.send(f, { type: 'INVITE_VICTIM' }, { 'If-Match': `"${v + 5}"` })).status).toBe(409);
    expect(await state(c)).toEqual(before);

    // Weak and unquoted forms of the current version are accepted.
    const weak = await c.send(f, { type: 'ADD_NOTE', text: 'weak' }, { 'If-Match': `W/"${v + 1}"` });
    expect(weak.status, JSON.stringify(weak.body)).toBe(200);
    const bare = await c.send(f, { type: 'INVITE_VICTIM' }, { 'If-Match': String(v + 2) });
    expect(bare.status, JSON.stringify(bare.body)).toBe(200);
    expect(bare.body.case.version).toBe(v + 3);
  });

  it('two writers with the same If-Match: exactly one wins', async () => {
    const c = caseClient(env.app, await openCase(env.app, env.staff));
    const v = (await c.get(env.staff.facilitator.token)).version as number;
    const results = await Promise.all([
      c.send(env.staff.facilitator.token, { type: 'ADD_NOTE', text: 'facilitator note' }, { 'If-Match': `"${v}"` }),
      c.send(env.staff.supervisor.token, { type: 'ADD_NOTE', text: 'supervisor note' }, { 'If-Match': `"${v}"` }),
      c.send(env.staff.supervisor2.token, { type: 'ADD_NOTE', text: 'second supervisor note' }, { 'If-Match': `"${v}"` }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const after = await state(c);
    expect(after.version).toBe(v + 1);
    expect(after.types.filter((t) => t === 'ADD_NOTE')).toHaveLength(1);
  });

  it('a malformed If-Match or Idempotency-Key is 400 and changes nothing', async () => {
    const c = caseClient(env.app, await openCase(env.app, env.staff));
    const f = env.staff.facilitator.token;
    const before = await state(c);
    for (const ifMatch of ['abc', '"v3"', '*', '""', '"1", "2"', '-1', '"1.5"', '1234567890123']) {
      const r = await c.send(f, { type: 'INVITE_VICTIM' }, { 'If-Match': ifMatch });
      expect(r.status, `If-Match: ${ifMatch} -> ${JSON.stringify(r.body)}`).toBe(400);
      expect(r.body).toEqual({ error: expect.any(String) });
    }
    for (const key of ['has space', 'x'.repeat(201), 'tab\there']) {
      const r = await c.send(f, { type: 'INVITE_VICTIM' }, { 'Idempotency-Key': key });
      expect(r.status, `Idempotency-Key: ${key.slice(0, 20)}`).toBe(400);
    }
    expect(await state(c)).toEqual(before);
  });

  it('a replayed Idempotency-Key returns the first response and applies the event once', async () => {
    const c = caseClient(env.app, await openCase(env.app, env.staff));
    const other = caseClient(env.app, await openCase(env.app, env.staff));
    const f = env.staff.facilitator.token;
    const key = 'invite-7f3a9c';
    const v = (await c.get(f)).version as number;

    const first = await c.send(f, { type: 'INVITE_VICTIM' }, { 'Idempotency-Key': key, 'If-Match': `"${v}"` });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const replay = await c.send(f, { type: 'INVITE_VICTIM' }, { 'Idempotency-Key': key, 'If-Match': `"${v}"` });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);

    // Still the first response after the case has moved on, and even without the If-Match.
    await c.ok(f, { type: 'VICTIM_RESPONDED', response: 'more_info' });
    const late = await c.send(f, { type: 'INVITE_VICTIM' }, { 'Idempotency-Key': key });
    expect(late.status).toBe(200);
    expect(late.headers.get('idempotent-replayed')).toBe('true');
    expect(late.body).toEqual(first.body);

    // The key's row rebuilds that response from the case's snapshot: it holds neither the key, nor the response, nor the referral.
    const db = rawDatabase(env.app, { readonly: true });
    const rows = await db.all('SELECT * FROM idempotency_keys WHERE case_id = ?', [c.id]);
    await db.close();
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows[0], (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v));
    for (const text of [key, 'Vera Victim', 'vera@example.org', 'NP/2026/1234', JSON.stringify(first.body.case.allowedEvents)]) {
      expect(stored).not.toContain(text);
    }

    const h = await c.history(env.staff.supervisor.token);
    expect(types(h)).toEqual(['REFERRAL_RECEIVED', 'ACCEPT_REFERRAL', 'INVITE_VICTIM', 'VICTIM_RESPONDED']);
    expect(h.notices.filter((n) => n.template === 'victim_invitation')).toHaveLength(1);

    // The same key with a different body is refused, on this case or another.
    const before = await state(c);
    const different = await c.send(f, { type: 'ADD_NOTE', text: 'something else' }, { 'Idempotency-Key': key });
    expect(different.status).toBe(422);
    expect(different.body.issues.map((i: { path: string }) => i.path)).toContain('Idempotency-Key');
    expect(different.headers.get('idempotent-replayed')).toBeNull();
    const otherBefore = await state(other);
    const elsewhere = await other.send(f, { type: 'INVITE_VICTIM' }, { 'Idempotency-Key': key });
    expect(elsewhere.status).toBe(422);
    expect(JSON.stringify(elsewhere.body)).not.toContain(c.id);
    expect(await state(c)).toEqual(before);
    expect(await state(other)).toEqual(otherBefore);

    // Keys belong to their sender: another user's identical key is a new request, not a replay of someone else's response.
    const supervisorTry = await c.send(env.staff.supervisor.token, { type: 'ADD_NOTE', text: 'supervisor note' }, { 'Idempotency-Key': key });
    expect(supervisorTry.status, JSON.stringify(supervisorTry.body)).toBe(200);
    expect(supervisorTry.headers.get('idempotent-replayed')).toBeNull();
    expect(supervisorTry.body.case.allowedEvents).toContain('REASSIGN');
  });

  it('concurrent retries with one key apply the event once and schedule its timers once', async () => {
    const c = caseClient(env.app, await openCase(env.app, env.staff));
    const f = env.staff.facilitator.token;
    const key = 'retry-storm-1';
    const results = await Promise.all(Array.from({ length: 5 }, () => c.send(f, { type: 'INVITE_VICTIM' }, { 'Idempotency-Key': key })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
    for (const r of results) expect(r.body).toEqual(results[0]!.body);
    const h = await c.history(f);
    expect(types(h).filter((t) => t === 'INVITE_VICTIM')).toHaveLength(1);

    env.app.clock.advance(days(7));
    await env.app.services.scheduler.sweep();
    const after = await c.history(f);
    expect(types(after).filter((t) => t === 'INVITATION_REMINDER_DUE')).toHaveLength(1);
    expect(after.notices.filter((n) => n.template === 'invitation_reminder')).toHaveLength(1);
  });
});
