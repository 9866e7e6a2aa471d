import { describe, expect, it } from 'vitest';
import { openCase, sampleReferral, withApp } from '../support/harness.js';
import { caseClient, consentBoth, lowRisk, prepareBoth, types } from './apiSteps.js';

describe('an indirect (shuttle) case, referral to closed', () => {
  const env = withApp();

  it('walks the shuttle process to closure completed_indirect and records each step', async () => {
    const c = caseClient(env.app, await openCase(env.app, env.staff));
    const f = env.staff.facilitator.token;
    const s = env.staff.supervisor.token;

    expect((await c.get(f)).stage).toBe('consent');
    await consentBoth(c, f);
    await lowRisk(c, f);

    // Not before a process is chosen and both parties are prepared.
    await c.refused(f, { type: 'START_INDIRECT_EXCHANGE' }, 409);
    const chosen = await c.ok(f, { type: 'CHOOSE_PROCESS', process: 'shuttle' });
    expect(chosen).toMatchObject({ stage: 'preparation', process: 'shuttle' });
    await c.refused(f, { type: 'START_INDIRECT_EXCHANGE' }, 409);
    await c.refused(f, { type: 'SCHEDULE_CONFERENCE', startsAt: '2026-12-01T10:00:00Z', venue: 'Town hall' }, 409);
    await prepareBoth(c, f);

    const started = await c.ok(f, { type: 'START_INDIRECT_EXCHANGE', note: 'first message from the victim' });
    expect(started).toMatchObject({ stage: 'conference', state: { open: { conference: 'indirect' } } });
    expect(started.allowedEvents).toContain('RECORD_INDIRECT_EXCHANGE');
    expect(started.allowedEvents).not.toContain('COMPLETE_INDIRECT');
    // Nothing exchanged yet: the indirect process cannot be completed.
    await c.refused(f, { type: 'COMPLETE_INDIRECT' }, 409);
    // Conference-only events do not apply to an indirect process.
    await c.refused(f, { type: 'RECORD_OUTCOME', attendees: ['victim'], agreement: [] }, 409);

    const exchanged = await c.ok(f, { type: 'RECORD_INDIRECT_EXCHANGE', summary: 'Passed on the victim’s questions; the offender answered them.' });
    expect(exchanged.stage).toBe('conference');
    expect(exchanged.allowedEvents).toContain('COMPLETE_INDIRECT');
    await c.ok(f, { type: 'RECORD_INDIRECT_EXCHANGE', summary: 'Passed on the answers.' });

    const completed = await c.ok(f, { type: 'COMPLETE_INDIRECT', note: 'both satisfied' });
    expect(completed).toMatchObject({ stage: 'followUp', state: { open: 'followUp' } });

    // A direct-process completion code does not fit a shuttle process.
    await c.refused(f, { type: 'REQUEST_CLOSURE', reason: 'completed_direct' }, 409);
    const closing = await c.ok(f, { type: 'REQUEST_CLOSURE', reason: 'completed_indirect', note: 'done' });
    expect(closing).toMatchObject({ state: 'closing', status: 'active', closureReason: null });
    expect(closing.pendingClosure).toMatchObject({ reason: 'completed_indirect', requestedBy: { kind: 'user', id: env.staff.facilitator.id } });

    // Only a supervisor signs closure off.
    await c.refused(f, { type: 'APPROVE_CLOSURE' }, 403);
    const closed = await c.ok(s, { type: 'APPROVE_CLOSURE', note: 'signed off' });
    expect(closed).toMatchObject({ stage: 'closed', status: 'closed', state: 'closed', closureReason: 'completed_indirect', allowedEvents: [] });
    expect((await c.get(f)).closureReason).toBe('completed_indirect');
    // Closed is final.
    await c.refused(f, { type: 'ADD_NOTE', text: 'after closure' }, 409);

    const h = await c.history(s);
    expect(types(h)).toEqual([
      'REFERRAL_RECEIVED', 'ACCEPT_REFERRAL', 'INVITE_VICTIM', 'VICTIM_RESPONDED', 'RECORD_OFFENDER_RESPONSE',
      'SUBMIT_RISK_ASSESSMENT', 'CHOOSE_PROCESS', 'RECORD_PREPARATION', 'RECORD_PREPARATION', 'START_INDIRECT_EXCHANGE',
      'RECORD_INDIRECT_EXCHANGE', 'RECORD_INDIRECT_EXCHANGE', 'COMPLETE_INDIRECT', 'REQUEST_CLOSURE', 'APPROVE_CLOSURE',
    ]);
    const byType = (t: string) => h.events.filter((e) => e.type === t);
    expect(byType('START_INDIRECT_EXCHANGE')[0]).toMatchObject({ from: 'open.preparation', to: 'open.conference.indirect' });
    expect(byType('COMPLETE_INDIRECT')[0]).toMatchObject({ from: 'open.conference.indirect', to: 'open.followUp' });
    expect(byType('REQUEST_CLOSURE')[0]).toMatchObject({ from: 'open.followUp', to: 'closing', data: { reason: 'completed_indirect', note: 'done' } });
    expect(h.events.at(-1)).toMatchObject({ from: 'closing', to: 'closed', actor: { kind: 'user', id: env.staff.supervisor.id, role: 'supervisor' } });
    // seq strictly increases and every step is attributed to a user.
    expect(h.events.map((e) => e.seq)).toEqual([...h.events.map((e) => e.seq)].sort((a, b) => a - b));
    expect(h.events.every((e) => e.actor.kind === 'user')).toBe(true);

    // Feedback requests go to both parties when the exchange completes and again at closure.
    const feedback = h.notices.filter((n) => n.template === 'feedback_request').map((n) => n.to).sort();
    expect(feedback).toEqual(['offender', 'offender', 'victim', 'victim']);
    expect(h.notices.some((n) => n.template === 'conference_invitation')).toBe(false);

    const list = await env.app.request('GET', '/api/cases?stage=closed', { token: s });
    expect(list.status).toBe(200);
    expect(list.body.cases.map((x: { id: string }) => x.id)).toContain(c.id);
    expect((await env.app.request('GET', '/api/cases?stage=followUp', { token: s })).body.cases.map((x: { id: string }) => x.id)).not.toContain(c.id);
  });

  it('a letter exchange also closes as completed_indirect', async () => {
    const c = caseClient(env.app, await openCase(env.app, env.staff, sampleReferral({ offender: { name: 'Olly Offender' } })));
    const f = env.staff.facilitator.token;
    await consentBoth(c, f);
    await lowRisk(c, f);
    await c.ok(f, { type: 'CHOOSE_PROCESS', process: 'letter' });
    await prepareBoth(c, f);
    await c.ok(f, { type: 'START_INDIRECT_EXCHANGE' });
    await c.ok(f, { type: 'RECORD_INDIRECT_EXCHANGE', summary: 'Letter of apology passed on.' });
    await c.ok(f, { type: 'COMPLETE_INDIRECT' });
    await c.ok(f, { type: 'REQUEST_CLOSURE', reason: 'completed_indirect' });
    const closed = await c.ok(env.staff.supervisor2.token, { type: 'APPROVE_CLOSURE' });
    expect(closed).toMatchObject({ stage: 'closed', closureReason: 'completed_indirect' });
  });
});
