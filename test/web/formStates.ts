import { expect } from 'vitest';
import { openCase, sampleReferral, type Staff, type TestApp } from '../support/harness.js';
import { caseClient, consentBoth, createCase, lowRisk, prepareBoth, type Body, type CaseClient } from '../api/apiSteps.js';
import type { FormFields, Page } from './staffBrowser.js';

/**
 * Cases built through the JSON API in the states the staff forms act on (not a
 * test file itself). Every builder starts a new case, so tests can build theirs
 * in parallel; the test clock is never moved (it stays at 2026-11-23T09:00Z).
 */

/** A case built for a form, with the open task it has (for RESOLVE_TASK). */
export interface Built {
  id: string;
  c: CaseClient;
  taskId?: string;
}

export const meetingAt = '2026-12-01T10:00:00Z';
/** Earlier than the meeting was planned (an hour before the clock), so an outcome may be recorded now. */
export const heldAt = '2026-11-23T08:00:00Z';

export function caseStates(app: TestApp, staff: Staff) {
  const f = staff.facilitator.token;
  const s = staff.supervisor.token;
  const built = (c: CaseClient, extra: Partial<Built> = {}): Built => ({ id: c.id, c, ...extra });
  const then = async (from: Promise<Built>, ...steps: [string, Body][]) => {
    const b = await from;
    for (const [token, body] of steps) await b.c.ok(token, body);
    return b;
  };

  const states = {
    /** A referral waiting for a supervisor: nobody allocated yet. */
    referral: async (overrides: Body = {}): Promise<Built> => built(await createCase(app, staff, sampleReferral(overrides))),
    /** Accepted and allocated to facilitator 1: both parties still to be contacted. */
    consent: async (overrides: Body = {}): Promise<Built> => built(caseClient(app, await openCase(app, staff, sampleReferral(overrides)))),
    invited: (): Promise<Built> => then(states.consent(), [f, { type: 'INVITE_VICTIM' }]),
    riskAssessment: async (): Promise<Built> => {
      const b = await states.consent();
      await consentBoth(b.c, f);
      return b;
    },
    /** A high-risk assessment by facilitator 1, waiting for a supervisor. */
    awaitingApproval: (): Promise<Built> => then(states.riskAssessment(), [f, { type: 'SUBMIT_RISK_ASSESSMENT', level: 'high', factors: { safety: 'threats made' }, directContactAllowed: false }]),
    preparation: async (): Promise<Built> => {
      const b = await states.riskAssessment();
      await lowRisk(b.c, f);
      return b;
    },
    /** Low risk, but direct contact is not allowed: only indirect processes fit. */
    indirectOnly: (): Promise<Built> => then(states.riskAssessment(), [f, { type: 'SUBMIT_RISK_ASSESSMENT', level: 'low', factors: { orders: 'no-contact order' }, directContactAllowed: false }]),
    prepared: async (): Promise<Built> => {
      const b = await states.preparation();
      await prepareBoth(b.c, f);
      return b;
    },
    readyToSchedule: (): Promise<Built> => then(states.prepared(), [f, { type: 'CHOOSE_PROCESS', process: 'conference' }]),
    readyForIndirect: (): Promise<Built> => then(states.prepared(), [f, { type: 'CHOOSE_PROCESS', process: 'shuttle' }]),
    indirect: (): Promise<Built> => then(states.readyForIndirect(), [f, { type: 'START_INDIRECT_EXCHANGE' }]),
    exchanged: (): Promise<Built> => then(states.indirect(), [f, { type: 'RECORD_INDIRECT_EXCHANGE', summary: 'First letter passed on' }]),
    scheduled: (): Promise<Built> => then(states.readyToSchedule(), [f, { type: 'SCHEDULE_CONFERENCE', startsAt: meetingAt, venue: 'Community centre' }]),
    /** After a conference with one agreement item, item-1, still pending. */
    followUp: (): Promise<Built> =>
      then(states.scheduled(), [
        f,
        { type: 'RECORD_OUTCOME', heldAt, attendees: ['victim', 'offender'], agreement: [{ action: 'Write a letter of apology', owner: 'offender', dueDate: '2026-12-15' }] },
      ]),
    /** Follow-up with every agreement item completed. */
    fulfilled: (): Promise<Built> => then(states.followUp(), [f, { type: 'COMPLETE_AGREEMENT_ITEM', itemId: 'item-1' }]),
    /** Facilitator 1 asked for the closure; it waits for a supervisor. */
    closing: (): Promise<Built> => then(states.consent(), [f, { type: 'REQUEST_CLOSURE', reason: 'offender_unavailable', note: 'Moved abroad' }]),
    paused: (): Promise<Built> => then(states.consent(), [f, { type: 'PAUSE', reason: 'Offender in hospital' }]),
    /** Both parties have withdrawn: the case waits for its closure, and nobody is left to withdraw. */
    bothWithdrawn: (): Promise<Built> => then(states.consent(), [f, { type: 'WITHDRAW', party: 'victim' }], [f, { type: 'WITHDRAW', party: 'offender' }]),
    closed: (): Promise<Built> => then(states.referral(), [s, { type: 'DECLINE_REFERRAL', reason: 'duplicate_referral' }]),
    /** The victim has no email address, so their invitation became a task on the case. */
    withTask: async (): Promise<Built> => {
      const b = await states.consent({ victim: { name: 'Vera Victim', phone: '01234 567890' } });
      await b.c.ok(f, { type: 'INVITE_VICTIM' });
      const { tasks } = await b.c.get(f);
      expect(tasks).toHaveLength(1);
      return { ...b, taskId: tasks[0].id as string };
    },
  } satisfies Record<string, (...args: never[]) => Promise<Built>>;
  return states;
}
export type CaseStates = ReturnType<typeof caseStates>;

// ---- reading pages ----------------------------------------------------------------------------

/** What an input, a textarea, or a group of radios or checkboxes with this name shows. */
export function shown(page: Page, name: string): string | string[] {
  const { $ } = page;
  const inputs = $(`[name="${name}"]`);
  if (!inputs.length) return '(not on the page)';
  const first = inputs.first();
  if (first.is('textarea')) return first.text();
  if (first.is('input[type=radio]')) return inputs.filter(':checked').map((_, el) => $(el).attr('value')).get()[0] ?? '';
  if (first.is('input[type=checkbox]')) return inputs.filter(':checked').map((_, el) => $(el).attr('value')).get();
  return first.attr('value') ?? '';
}

/** The values a radios or checkboxes group offers. */
export const choices = (page: Page, name: string) =>
  page.$(`input[name="${name}"]`).map((_, el) => page.$(el).attr('value')).get();

/** The visible questions a form asks (inputs that are not hidden, textareas, selects). */
export const visibleInputs = (page: Page) =>
  page.$('main form').first().find('input:not([type=hidden]), textarea, select').map((_, el) => page.$(el).attr('name')).get();

/** The hidden fields of a page's main form, with the submit button's step, as a browser posts it. */
export function formFields(page: Page): FormFields {
  const form = page.$('main form').first();
  const fields: FormFields = {};
  // A name repeated (a list of checkboxes carried through check your answers) is posted as every value it holds.
  for (const el of form.find('input[type=hidden]').get()) {
    const [name, value] = [page.$(el).attr('name')!, page.$(el).attr('value') ?? ''];
    const held = fields[name];
    fields[name] = held === undefined ? value : [...(Array.isArray(held) ? held : [held]), value];
  }
  const button = form.find('button[type=submit][name=step]').first();
  if (button.length) fields.step = button.attr('value') ?? '';
  return fields;
}

/** The anti-forgery token every signed-in page carries (in its sign-out form). */
export const csrfOf = (page: Page) => page.$('input[name=_csrf]').first().attr('value') ?? '';
