import { describe, expect, it } from 'vitest';
import { openCase, withApp } from '../support/harness.js';

describe('a direct conference case, referral to closed', () => {
  const env = withApp();

  it('walks every stage and records each step in the history', async () => {
    const id = await openCase(env.app, env.staff);
    const f = env.staff.facilitator.token;
    const send = async (token: string, body: Record<string, unknown>) => {
      const r = await env.app.request('POST', `/api/cases/${id}/events`, { token, body });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.case;
    };
    await send(f, { type: 'INVITE_VICTIM' });
    await send(f, { type: 'VICTIM_RESPONDED', response: 'yes', preferredProcess: 'conference' });
    expect((await send(f, { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' })).stage).toBe('riskAssessment');
    expect((await send(f, { type: 'SUBMIT_RISK_ASSESSMENT', level: 'low', factors: { safety: 'none' }, directContactAllowed: true })).stage).toBe('preparation');
    await send(f, { type: 'RECORD_PREPARATION', party: 'victim', note: 'met at home' });
    await send(f, { type: 'RECORD_PREPARATION', party: 'offender', note: 'met at probation' });
    await send(f, { type: 'CHOOSE_PROCESS', process: 'conference' });
    expect((await send(f, { type: 'SCHEDULE_CONFERENCE', startsAt: '2026-12-01T10:00:00Z', venue: 'Town hall' })).stage).toBe('conference');
    // The outcome is recorded after the conference has taken place.
    env.app.clock.set('2026-12-01T12:00:00Z');
    const held = await send(f, {
      type: 'RECORD_OUTCOME',
      attendees: ['victim', 'offender'],
      agreement: [{ action: 'Write a letter of apology', owner: 'offender', dueDate: '2026-12-20' }],
    });
    expect(held.agreement).toEqual([expect.objectContaining({ id: 'item-1', status: 'pending' })]);
    await send(f, { type: 'COMPLETE_AGREEMENT_ITEM', itemId: 'item-1' });
    await send(f, { type: 'REQUEST_CLOSURE', reason: 'agreement_fulfilled' });
    const closed = await send(env.staff.supervisor.token, { type: 'APPROVE_CLOSURE' });
    expect(closed).toMatchObject({ stage: 'closed', status: 'closed', closureReason: 'agreement_fulfilled', allowedEvents: [] });

    const history = await env.app.request('GET', `/api/cases/${id}/history`, { token: env.staff.supervisor.token });
    expect(history.body.events.map((e: { type: string }) => e.type)).toEqual([
      'REFERRAL_RECEIVED', 'ACCEPT_REFERRAL', 'INVITE_VICTIM', 'VICTIM_RESPONDED', 'RECORD_OFFENDER_RESPONSE',
      'SUBMIT_RISK_ASSESSMENT', 'RECORD_PREPARATION', 'RECORD_PREPARATION', 'CHOOSE_PROCESS', 'SCHEDULE_CONFERENCE',
      'RECORD_OUTCOME', 'COMPLETE_AGREEMENT_ITEM', 'REQUEST_CLOSURE', 'APPROVE_CLOSURE',
    ]);
    expect(history.body.events.at(-1)).toMatchObject({ from: 'closing', to: 'closed', actor: { kind: 'user', id: env.staff.supervisor.id, role: 'supervisor' } });
    expect(history.body.notices.some((n: { template: string; to: string }) => n.template === 'victim_invitation' && n.to === 'victim')).toBe(true);
    expect((await env.app.request('GET', '/api/audit/verify', { token: env.staff.supervisor.token })).body).toEqual({ ok: true, events: 14 });
  });
});
