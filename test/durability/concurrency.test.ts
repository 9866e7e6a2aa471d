import { describe, expect, it } from 'vitest';
import { openCase, withApp } from '../support/harness.js';

/**
 * Parallel requests really overlap: all twenty are sent before any answer is
 * awaited, so they reach the engine together (and share group commits).
 */
describe('parallel events on one case', () => {
  const env = withApp();
  const N = 20;

  const post = (id: string, body: unknown, headers: Record<string, string> = {}) =>
    env.app.request('POST', `/api/cases/${id}/events`, { token: env.staff.facilitator.token, body, headers });
  const events = async (id: string) => {
    const r = await env.app.request('GET', `/api/cases/${id}/history`, { token: env.staff.facilitator.token });
    expect(r.status).toBe(200);
    return r.body.events as { seq: number; type: string; data: Record<string, unknown> }[];
  };
  const version = async (id: string) => (await env.app.request('GET', `/api/cases/${id}`, { token: env.staff.facilitator.token })).body.case.version as number;
  const verify = async () => (await env.app.request('GET', '/api/audit/verify', { token: env.staff.supervisor.token })).body;
  const countBy = (statuses: number[]) => statuses.reduce<Record<number, number>>((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {});

  it('with one If-Match, exactly one of twenty succeeds and the rest get 409', async () => {
    const id = await openCase(env.app, env.staff);
    const v = await version(id);
    const before = await events(id);

    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) => post(id, { type: 'ADD_NOTE', text: `note ${i}` }, { 'If-Match': `"${v}"` })),
    );

    expect(countBy(responses.map((r) => r.status))).toEqual({ 200: 1, 409: N - 1 });
    const winner = responses.findIndex((r) => r.status === 200);
    expect(responses[winner]!.body.case.version).toBe(v + 1);
    for (const r of responses.filter((r) => r.status === 409)) {
      expect(r.body).toMatchObject({ version: v + 1, error: expect.stringContaining(`since version ${v}`) });
    }
    const after = await events(id);
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)).toMatchObject({ type: 'ADD_NOTE', data: { text: `note ${winner}` } });
    expect(await version(id)).toBe(v + 1);
    expect(await verify()).toEqual({ ok: true, events: expect.any(Number) });
  });

  it('the same holds for a state-changing event: one RECORD_PREPARATION wins', async () => {
    const id = await openCase(env.app, env.staff);
    const f = env.staff.facilitator.token;
    for (const body of [
      { type: 'INVITE_VICTIM' },
      { type: 'VICTIM_RESPONDED', response: 'yes', preferredProcess: 'conference' },
      { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' },
      { type: 'SUBMIT_RISK_ASSESSMENT', level: 'low', factors: { safety: 'none' }, directContactAllowed: true },
    ]) {
      const r = await env.app.request('POST', `/api/cases/${id}/events`, { token: f, body });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    const v = await version(id);
    const before = await events(id);

    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        post(id, { type: 'RECORD_PREPARATION', party: i % 2 ? 'victim' : 'offender', note: `meeting ${i}` }, { 'If-Match': `W/"${v}"` }),
      ),
    );

    expect(countBy(responses.map((r) => r.status))).toEqual({ 200: 1, 409: N - 1 });
    const after = await events(id);
    expect(after.slice(before.length).map((e) => e.type)).toEqual(['RECORD_PREPARATION']);
    expect(await version(id)).toBe(v + 1);
  });

  it('without If-Match, twenty distinct events all succeed with strictly increasing versions and a valid chain', async () => {
    const id = await openCase(env.app, env.staff);
    const v = await version(id);
    const before = await events(id);
    const chainBefore = await verify();

    const responses = await Promise.all(Array.from({ length: N }, (_, i) => post(id, { type: 'ADD_NOTE', text: `parallel note ${i}` })));

    expect(responses.map((r) => r.status)).toEqual(Array(N).fill(200));
    const versions = responses.map((r) => r.body.case.version as number);
    expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => v + 1 + i));

    const added = (await events(id)).slice(before.length);
    expect(added).toHaveLength(N);
    // History order is commit order: the note committed at version v+k is the k-th new row, with increasing seq.
    const textAtVersion = new Map(responses.map((r, i) => [r.body.case.version as number, `parallel note ${i}`]));
    expect(added.map((e) => e.data.text)).toEqual(added.map((_, k) => textAtVersion.get(v + 1 + k)));
    for (let k = 1; k < added.length; k++) expect(added[k]!.seq).toBeGreaterThan(added[k - 1]!.seq);
    expect(await version(id)).toBe(v + N);
    expect(await verify()).toEqual({ ok: true, events: chainBefore.events + N });
  });

  it('twenty parallel retries with one Idempotency-Key commit once and all get the same answer', async () => {
    const id = await openCase(env.app, env.staff);
    const before = await events(id);

    const responses = await Promise.all(
      Array.from({ length: N }, () => post(id, { type: 'ADD_NOTE', text: 'sent once, retried in parallel' }, { 'Idempotency-Key': `retry-${id}` })),
    );

    expect(responses.map((r) => r.status)).toEqual(Array(N).fill(200));
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(N - 1);
    const bodies = new Set(responses.map((r) => JSON.stringify(r.body)));
    expect(bodies.size).toBe(1);
    expect((await events(id)).slice(before.length).map((e) => e.type)).toEqual(['ADD_NOTE']);
  });
});
