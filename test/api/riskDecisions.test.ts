import { describe, expect, it } from 'vitest';
import { days, openCase, sampleReferral, withApp } from '../support/harness.js';
import { caseClient, consentBoth, prepareBoth, types, type CaseClient } from './apiSteps.js';

const highRisk = {
  type: 'SUBMIT_RISK_ASSESSMENT',
  level: 'high',
  factors: { safety: 'history of threats', powerImbalance: 'significant' },
  mitigations: 'no face-to-face contact',
  directContactAllowed: false,
};

describe('risk assessment decisions', () => {
  const env = withApp();

  /** A case in risk assessment with a high-risk assessment submitted by `assessorToken`: awaiting approval. */
  async function awaitingApproval(assessorToken: string): Promise<CaseClient> {
    const c = caseClient(env.app, await openCase(env.app, env.staff));
    await consentBoth(c, env.staff.facilitator.token);
    const submitted = await c.ok(assessorToken, highRisk);
    expect(submitted).toMatchObject({ stage: 'riskAssessment', state: { open: { riskAssessment: 'awaitingApproval' } } });
    expect(submitted.risk).toMatchObject({ level: 'high', directContactAllowed: false, approvedBy: null });
    return c;
  }

  it('high risk approved by a second supervisor, then an indirect process to closure', async () => {
    const f = env.staff.facilitator.token;
    const s1 = env.staff.supervisor.token;
    const s2 = env.staff.supervisor2.token;
    // The supervisor does the assessment, so separation of duties can be tested on a role that may approve.
    const c = await awaitingApproval(s1);
    expect((await c.get(s1)).risk.assessedBy).toBe(env.staff.supervisor.id);

    // A facilitator may never approve; the assessor may not approve their own assessment.
    await c.refused(f, { type: 'APPROVE_RISK' }, 403);
    await c.refused(f, { type: 'REJECT_RISK', decision: 'close', note: 'too risky' }, 403);
    const assessorView = await c.get(s1);
    expect(assessorView.allowedEvents).not.toContain('APPROVE_RISK');
    expect(assessorView.allowedEvents).not.toContain('REJECT_RISK');
    const own = await c.refused(s1, { type: 'APPROVE_RISK', note: 'looks fine to me' }, 409);
    expect(own.allowedEvents).toEqual(assessorView.allowedEvents);
    await c.refused(s1, { type: 'REJECT_RISK', decision: 'indirect_only', note: 'mine' }, 409);
    expect((await c.get(s2)).allowedEvents).toEqual(expect.arrayContaining(['APPROVE_RISK', 'REJECT_RISK']));
    // Preparation cannot start before the approval.
    await c.refused(f, { type: 'CHOOSE_PROCESS', process: 'shuttle' }, 409);

    const approved = await c.ok(s2, { type: 'APPROVE_RISK', note: 'indirect only, agreed' });
    expect(approved).toMatchObject({ stage: 'preparation', risk: { level: 'high', directContactAllowed: false, assessedBy: env.staff.supervisor.id, approvedBy: env.staff.supervisor2.id } });

    // High risk: direct contact stays off even though the risk was approved.
    await c.refused(f, { type: 'CHOOSE_PROCESS', process: 'conference' }, 409);
    await c.ok(f, { type: 'CHOOSE_PROCESS', process: 'shuttle' });
    await prepareBoth(c, f);
    await c.ok(f, { type: 'START_INDIRECT_EXCHANGE' });
    await c.ok(f, { type: 'RECORD_INDIRECT_EXCHANGE', summary: 'questions and answers passed on' });
    expect((await c.ok(f, { type: 'COMPLETE_INDIRECT' })).stage).toBe('followUp');
    await c.ok(f, { type: 'REQUEST_CLOSURE', reason: 'completed_indirect' });
    const closed = await c.ok(s2, { type: 'APPROVE_CLOSURE' });
    expect(closed).toMatchObject({ stage: 'closed', status: 'closed', closureReason: 'completed_indirect' });

    const h = await c.history(s1);
    expect(types(h)).toEqual([
      'REFERRAL_RECEIVED', 'ACCEPT_REFERRAL', 'INVITE_VICTIM', 'VICTIM_RESPONDED', 'RECORD_OFFENDER_RESPONSE',
      'SUBMIT_RISK_ASSESSMENT', 'APPROVE_RISK', 'CHOOSE_PROCESS', 'RECORD_PREPARATION', 'RECORD_PREPARATION',
      'START_INDIRECT_EXCHANGE', 'RECORD_INDIRECT_EXCHANGE', 'COMPLETE_INDIRECT', 'REQUEST_CLOSURE', 'APPROVE_CLOSURE',
    ]);
    expect(h.events[5]).toMatchObject({ from: 'open.riskAssessment.assessing', to: 'open.riskAssessment.awaitingApproval', actor: { id: env.staff.supervisor.id } });
    expect(h.events[6]).toMatchObject({ from: 'open.riskAssessment.awaitingApproval', to: 'open.preparation', actor: { id: env.staff.supervisor2.id } });
    expect(h.notices.some((n) => n.template === 'approval_requested' && n.to === 'supervisors')).toBe(true);
    expect(h.notices.some((n) => n.template === 'approval_decision' && n.to === 'facilitators')).toBe(true);
  });

  it('a sensitive offence needs approval even at low risk', async () => {
    const c = caseClient(env.app, await openCase(env.app, env.staff, sampleReferral({ flags: { domesticAbuse: true } })));
    await consentBoth(c, env.staff.facilitator.token);
    const submitted = await c.ok(env.staff.facilitator.token, { type: 'SUBMIT_RISK_ASSESSMENT', level: 'low', factors: { safety: 'ok' }, directContactAllowed: true });
    expect(submitted.state).toEqual({ open: { riskAssessment: 'awaitingApproval' } });
    // The facilitator assessed, so the supervisor may approve.
    expect((await c.ok(env.staff.supervisor.token, { type: 'APPROVE_RISK' })).stage).toBe('preparation');
  });

  it('high risk rejected with decision close: closed risk_too_high at once', async () => {
    const c = await awaitingApproval(env.staff.facilitator.token);
    await c.refused(env.staff.facilitator.token, { type: 'REJECT_RISK', decision: 'close', note: 'unsafe' }, 403);
    const closed = await c.ok(env.staff.supervisor.token, { type: 'REJECT_RISK', decision: 'close', note: 'unsafe for the victim' });
    expect(closed).toMatchObject({ stage: 'closed', status: 'closed', state: 'closed', closureReason: 'risk_too_high', allowedEvents: [] });
    expect((await c.get(env.staff.facilitator.token)).closureReason).toBe('risk_too_high');
    await c.refused(env.staff.supervisor2.token, { type: 'APPROVE_CLOSURE' }, 409);

    const h = await c.history(env.staff.supervisor.token);
    expect(types(h)).toEqual(['REFERRAL_RECEIVED', 'ACCEPT_REFERRAL', 'INVITE_VICTIM', 'VICTIM_RESPONDED', 'RECORD_OFFENDER_RESPONSE', 'SUBMIT_RISK_ASSESSMENT', 'REJECT_RISK']);
    expect(h.events.at(-1)).toMatchObject({ from: 'open.riskAssessment.awaitingApproval', to: 'closed', data: { decision: 'close', note: 'unsafe for the victim' } });
    env.app.clock.advance(days(40));
    expect(await env.app.services.scheduler.sweep()).toBe(0);
  });

  it('high risk rejected with decision indirect_only: a conference is refused, a shuttle works', async () => {
    const f = env.staff.facilitator.token;
    const c = await awaitingApproval(f);
    const restricted = await c.ok(env.staff.supervisor2.token, { type: 'REJECT_RISK', decision: 'indirect_only', note: 'letters only' });
    expect(restricted).toMatchObject({ stage: 'preparation', status: 'active', risk: { directContactAllowed: false, approvedBy: env.staff.supervisor2.id } });

    const refused = await c.refused(f, { type: 'CHOOSE_PROCESS', process: 'conference' }, 409);
    expect(refused.allowedEvents).toContain('CHOOSE_PROCESS');
    expect((await c.get(f)).process).toBeNull();
    expect((await c.ok(f, { type: 'CHOOSE_PROCESS', process: 'shuttle' })).process).toBe('shuttle');
    await prepareBoth(c, f);
    await c.refused(f, { type: 'SCHEDULE_CONFERENCE', startsAt: '2026-12-01T10:00:00Z', venue: 'Town hall' }, 409);
    expect((await c.ok(f, { type: 'START_INDIRECT_EXCHANGE' })).state).toEqual({ open: { conference: 'indirect' } });

    const h = await c.history(f);
    expect(types(h).slice(-6)).toEqual(['SUBMIT_RISK_ASSESSMENT', 'REJECT_RISK', 'CHOOSE_PROCESS', 'RECORD_PREPARATION', 'RECORD_PREPARATION', 'START_INDIRECT_EXCHANGE']);
    expect(h.events.filter((e) => e.type === 'CHOOSE_PROCESS').map((e) => e.data)).toEqual([{ process: 'shuttle' }]);
  });
});
