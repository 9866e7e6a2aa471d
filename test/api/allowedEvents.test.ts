import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, openCase, sampleReferral, startApp, tempDir, type Staff, type TestApp } from '../support/harness.js';
import { caseClient, consentBoth, createCase, lowRisk, prepareBoth, types, type Body, type CaseClient } from './apiSteps.js';

/**
 * `allowedEvents` is the contract a form is built from. For a range of states and callers:
 * every event NOT listed, sent with a valid payload, is refused (403 when the role may never
 * send it, 409 otherwise) and changes nothing; and every event listed is accepted for some
 * valid payload (checked on a fresh copy of the state, as accepting it moves the case on).
 */

// The public vocabulary (domain.md), written out here rather than imported, so the server is checked against it.
const allTypes = [
  'ACCEPT_REFERRAL', 'DECLINE_REFERRAL',
  'RECORD_OFFENDER_RESPONSE', 'INVITE_VICTIM', 'VICTIM_RESPONDED', 'INVITATION_REMINDER_DUE', 'INVITATION_EXPIRED', 'REOFFER_DUE',
  'SUBMIT_RISK_ASSESSMENT', 'APPROVE_RISK', 'REJECT_RISK',
  'RECORD_PREPARATION', 'ADD_SUPPORTER', 'CHOOSE_PROCESS', 'SCHEDULE_CONFERENCE', 'START_INDIRECT_EXCHANGE',
  'RESCHEDULE_CONFERENCE', 'CANCEL_CONFERENCE', 'RECORD_OUTCOME', 'RECORD_INDIRECT_EXCHANGE', 'COMPLETE_INDIRECT',
  'COMPLETE_AGREEMENT_ITEM', 'MISS_AGREEMENT_ITEM', 'AGREEMENT_ITEM_DUE', 'REQUEST_CLOSURE', 'APPROVE_CLOSURE', 'RETURN_CASE',
  'RESOLVE_TASK', 'WITHDRAW', 'PAUSE', 'RESUME', 'REVISE_RISK', 'REASSIGN', 'ADD_NOTE',
  'CORRECT_PARTY_DETAILS', 'RECORD_CONSENT',
] as const;

/** Only a supervisor may send these; only the clock may send those. Everything else is staff work. */
const supervisorOnly = new Set(['ACCEPT_REFERRAL', 'DECLINE_REFERRAL', 'APPROVE_RISK', 'REJECT_RISK', 'APPROVE_CLOSURE', 'RETURN_CASE', 'REASSIGN', 'CORRECT_PARTY_DETAILS']);
const systemOnly = new Set(['INVITATION_REMINDER_DUE', 'INVITATION_EXPIRED', 'REOFFER_DUE', 'AGREEMENT_ITEM_DUE']);

const closureReasons = [
  'completed_direct', 'completed_indirect', 'agreement_fulfilled', 'agreement_not_fulfilled',
  'victim_declined', 'victim_withdrew', 'victim_no_response', 'victim_not_ready',
  'offender_declined', 'offender_withdrew', 'offender_denies_responsibility', 'offender_unreachable', 'offender_unavailable',
  'offender_reoffended', 'offender_non_compliant',
  'unsuitable', 'risk_too_high', 'referred_to_specialist', 'no_trained_facilitator',
  'ineligible_referral', 'duplicate_referral', 'transferred', 'court_deadline_passed',
];

/** Valid payloads for every event type (each passes the schema); several where the payload picks the way. */
function samples(staff: Staff): Record<(typeof allTypes)[number], Body[]> {
  const item = [{ itemId: 'item-1' }];
  return {
    ACCEPT_REFERRAL: [{ facilitatorIds: [staff.facilitator.id] }],
    DECLINE_REFERRAL: [{ reason: 'ineligible_referral', note: 'outside our area' }],
    RECORD_OFFENDER_RESPONSE: ['willing', 'declined', 'denies_responsibility', 'unreachable'].map((response) => ({ response })),
    INVITE_VICTIM: [{}],
    VICTIM_RESPONDED: [
      {
        response: 'yes',
        preferredProcess: 'conference',
        accessNeeds: 'step-free access',
        informationGiven: { version: 'rj-information-2026-11', how: 'phone' },
      },
      { response: 'more_info' },
      { response: 'not_now', reofferAfter: '2027-03-01' },
      { response: 'no' },
    ],
    INVITATION_REMINDER_DUE: [{}],
    INVITATION_EXPIRED: [{}],
    REOFFER_DUE: [{}],
    SUBMIT_RISK_ASSESSMENT: [
      { level: 'low', factors: { safety: 'no concerns' }, directContactAllowed: true },
      { level: 'medium', factors: { safety: 'some concerns' }, mitigations: 'two facilitators', directContactAllowed: true },
      { level: 'high', factors: { safety: 'threats' }, directContactAllowed: false },
    ],
    APPROVE_RISK: [{ note: 'agreed' }],
    REJECT_RISK: [{ decision: 'indirect_only', note: 'letters only' }, { decision: 'close', note: 'unsafe' }],
    RECORD_PREPARATION: [{ party: 'victim', note: 'met at home' }, { party: 'offender', note: 'met at probation' }],
    ADD_SUPPORTER: [{ party: 'victim', name: 'Sam Supporter', email: 'sam@example.org' }],
    CHOOSE_PROCESS: [{ process: 'conference' }, { process: 'shuttle' }, { process: 'letter' }],
    SCHEDULE_CONFERENCE: [{ startsAt: '2026-12-01T10:00:00Z', venue: 'Town hall' }],
    START_INDIRECT_EXCHANGE: [{ note: 'first letter' }],
    RESCHEDULE_CONFERENCE: [{ startsAt: '2026-12-08T10:00:00+00:00', venue: 'Library', reason: 'victim unwell' }],
    CANCEL_CONFERENCE: [{ reason: 'venue closed' }],
    RECORD_OUTCOME: [
      {
        attendees: ['victim', 'offender'],
        heldAt: '2026-11-23T08:00:00Z',
        agreement: [{ action: 'Write a letter', owner: 'offender', dueDate: '2026-12-20' }],
      },
    ],
    RECORD_INDIRECT_EXCHANGE: [{ summary: 'letter passed on' }],
    COMPLETE_INDIRECT: [{ note: 'done' }],
    COMPLETE_AGREEMENT_ITEM: item,
    MISS_AGREEMENT_ITEM: item,
    AGREEMENT_ITEM_DUE: item,
    REQUEST_CLOSURE: closureReasons.map((reason) => ({ reason })),
    APPROVE_CLOSURE: [{ note: 'signed off' }],
    RETURN_CASE: [{ note: 'more work needed' }],
    RESOLVE_TASK: [{ taskId: 'no-such-task', note: 'phoned instead' }],
    WITHDRAW: [{ party: 'victim', reason: 'changed mind' }, { party: 'offender' }],
    PAUSE: [{ reason: 'victim in hospital' }],
    RESUME: [{}],
    REVISE_RISK: [{ reason: 'new information' }],
    REASSIGN: [{ facilitatorIds: [staff.facilitator2.id] }],
    ADD_NOTE: [{ text: 'a note' }],
    CORRECT_PARTY_DETAILS: [{ party: 'victim', name: 'Vera Vickers', email: 'vera.v@example.org', reason: 'married' }],
    RECORD_CONSENT: [
      { party: 'victim', withdrawn: ['emailContact'], channel: 'phone' },
      { party: 'offender', withdrawn: ['participation'], channel: 'in_person' },
    ],
  };
}

type Role = 'facilitator' | 'supervisor' | 'supervisor2';
const roleOf = (r: Role) => (r === 'facilitator' ? 'facilitator' : 'supervisor');
/** A task id that names no open task is a 422 on taskId wherever tasks can be resolved (an open case); elsewhere the state refuses it. */
const expectedRefusal = (role: Role, type: string, c: { status: string; stage: string }) =>
  systemOnly.has(type) || (roleOf(role) === 'facilitator' && supervisorOnly.has(type))
    ? 403
    : type === 'RESOLVE_TASK' && c.status === 'active' && c.stage !== 'referral'
      ? 422
      : 409;

describe('allowedEvents drives what is accepted', () => {
  const tmp = tempDir();
  let app: TestApp;
  let staff: Staff;
  let payloads: ReturnType<typeof samples>;
  beforeAll(async () => {
    app = await startApp(`${tmp.dir}/rj.sqlite`);
    staff = await addStaff(app.services);
    payloads = samples(staff);
  });
  afterAll(async () => {
    await app.stop();
    tmp.remove();
  });

  const f = () => staff.facilitator.token;
  const preparation = async () => {
    const c = caseClient(app, await openCase(app, staff));
    await consentBoth(c, f());
    await lowRisk(c, f());
    return c;
  };
  const scheduled = async () => {
    const c = await preparation();
    await prepareBoth(c, f());
    await c.ok(f(), { type: 'CHOOSE_PROCESS', process: 'conference' });
    await c.ok(f(), { type: 'SCHEDULE_CONFERENCE', startsAt: '2026-12-01T10:00:00Z', venue: 'Town hall' });
    return c;
  };

  const fixtures: { name: string; callers: Role[]; build: () => Promise<CaseClient> }[] = [
    { name: 'referral', callers: ['supervisor'], build: async () => createCase(app, staff, sampleReferral()) },
    { name: 'consent, nobody contacted', callers: ['facilitator', 'supervisor'], build: async () => caseClient(app, await openCase(app, staff)) },
    {
      name: 'consent, victim not now and offender unreachable',
      callers: ['facilitator'],
      build: async () => {
        const c = caseClient(app, await openCase(app, staff));
        await c.ok(f(), { type: 'VICTIM_RESPONDED', response: 'not_now', reofferAfter: '2027-02-01' });
        await c.ok(f(), { type: 'RECORD_OFFENDER_RESPONSE', response: 'unreachable' });
        return c;
      },
    },
    {
      name: 'risk awaiting approval',
      callers: ['facilitator', 'supervisor'],
      build: async () => {
        const c = caseClient(app, await openCase(app, staff));
        await consentBoth(c, f());
        await c.ok(f(), { type: 'SUBMIT_RISK_ASSESSMENT', level: 'high', factors: { safety: 'threats' }, directContactAllowed: false });
        return c;
      },
    },
    { name: 'preparation', callers: ['facilitator', 'supervisor'], build: preparation },
    { name: 'conference scheduled', callers: ['facilitator', 'supervisor'], build: scheduled },
    {
      name: 'indirect exchange, nothing exchanged yet',
      callers: ['facilitator'],
      build: async () => {
        const c = await preparation();
        await c.ok(f(), { type: 'CHOOSE_PROCESS', process: 'shuttle' });
        await prepareBoth(c, f());
        await c.ok(f(), { type: 'START_INDIRECT_EXCHANGE' });
        return c;
      },
    },
    {
      name: 'follow-up with a pending agreement item',
      callers: ['facilitator', 'supervisor'],
      build: async () => {
        const c = await scheduled();
        await c.ok(f(), { type: 'RECORD_OUTCOME', ...payloads.RECORD_OUTCOME[0] });
        return c;
      },
    },
    {
      name: 'paused in preparation',
      callers: ['facilitator', 'supervisor'],
      build: async () => {
        const c = await preparation();
        await c.ok(f(), { type: 'PAUSE', reason: 'victim unwell' });
        return c;
      },
    },
    {
      name: 'closing, closure requested by the facilitator',
      callers: ['facilitator', 'supervisor'],
      build: async () => {
        const c = await preparation();
        await c.ok(f(), { type: 'REQUEST_CLOSURE', reason: 'unsuitable' });
        return c;
      },
    },
    {
      name: 'closed',
      callers: ['facilitator', 'supervisor'],
      build: async () => {
        const c = await preparation();
        await c.ok(f(), { type: 'REQUEST_CLOSURE', reason: 'unsuitable' });
        await c.ok(staff.supervisor.token, { type: 'APPROVE_CLOSURE' });
        return c;
      },
    },
  ];

  for (const fixture of fixtures) {
    it(`${fixture.name}: events not in allowedEvents are refused, events in it are accepted`, async () => {
      const c = await fixture.build();
      const start = await c.get(staff.supervisor.token);
      const startHistory = types(await c.history(staff.supervisor.token));

      for (const role of fixture.callers) {
        const token = staff[role].token;
        const allowed: string[] = (await c.get(token)).allowedEvents;
        for (const t of allowed) expect(allTypes as readonly string[], `unknown allowed event ${t}`).toContain(t);
        for (const t of allowed) expect(expectedRefusal(role, t, start), `${role} offered ${t}, which their role may not send`).not.toBe(403);

        // Negative: nothing outside allowedEvents gets through, whatever the payload.
        for (const type of allTypes.filter((t) => !allowed.includes(t))) {
          for (const payload of payloads[type]) {
            const r = await c.send(token, { type, ...payload });
            const label = `${fixture.name} / ${role} / ${type} ${JSON.stringify(payload)} -> ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`;
            expect(r.status, label).toBe(expectedRefusal(role, type, start));
            if (r.status !== 422) expect(r.body.allowedEvents, label).toEqual(allowed);
          }
        }
      }
      // The refusals changed nothing.
      const end = await c.get(staff.supervisor.token);
      expect(end.version).toBe(start.version);
      expect(end.state).toEqual(start.state);
      expect(types(await c.history(staff.supervisor.token))).toEqual(startHistory);

      // Positive: each allowed event is accepted for some valid payload, on a fresh copy of this state.
      for (const role of fixture.callers) {
        const token = staff[role].token;
        const allowed: string[] = (await c.get(token)).allowedEvents;
        for (const type of allowed) {
          const copy = await fixture.build();
          const tried: string[] = [];
          let accepted = false;
          for (const payload of payloads[type as (typeof allTypes)[number]]) {
            const r = await copy.send(token, { type, ...payload });
            tried.push(`${JSON.stringify(payload)} -> ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
            if (r.status === 200) {
              accepted = true;
              break;
            }
            expect(r.status, tried.at(-1)).toBe(409);
          }
          expect(accepted, `${fixture.name} / ${role} offered ${type} but refused every payload:\n${tried.join('\n')}`).toBe(true);
        }
      }
    });
  }

  it('a facilitator not allocated gets 404 for every event type, a referral not yet allocated included', async () => {
    const c = await createCase(app, staff, sampleReferral());
    const allocated = caseClient(app, await openCase(app, staff));
    for (const target of [c, allocated]) {
      const before = (await target.get(staff.supervisor.token)).version;
      for (const type of allTypes) {
        const r = await target.send(staff.facilitator2.token, { type, ...payloads[type][0] });
        expect(r.status, `${type} ${JSON.stringify(r.body)}`).toBe(404);
        expect(r.body.allowedEvents).toBeUndefined();
      }
      expect((await target.get(staff.supervisor.token)).version).toBe(before);
    }
  });
});
