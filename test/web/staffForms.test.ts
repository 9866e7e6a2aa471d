import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { closureReasons, completedReasons } from '../../machines/case/closureReasons.js';
import { eventLabels } from '../../machines/case/eventLabels.js';
import { eventSenders, type StaffEvent } from '../../machines/case/permissions.js';
import { eventForms } from '../../src/web/staff/eventForm/registry.js';
import { withApp } from '../support/harness.js';
import { caseStates, choices, csrfOf, formFields, shown, visibleInputs, type Built, type CaseStates } from './formStates.js';
import { errorSummary, staffBrowser, type FormFields, type Page, type StaffBrowser } from './staffBrowser.js';

/**
 * Every staff event form over real HTTP: the way through it, and every way it can
 * be refused (wrong answers, a case that changed, a double submit, a forged post,
 * a step the chart does not allow now, a case that is not yours). Cases are built
 * through the JSON API; the forms are filled as a browser would, with the hidden
 * fields the page rendered and the button pressed.
 */

type Role = 'facilitator' | 'supervisor';
type Shared = 'referral' | 'consent' | 'paused' | 'closing' | 'bothWithdrawn' | 'closed';

interface FormSpec {
  /** Who sends it: a supervisor for supervisor-only events, otherwise facilitator 1, allocated to the case. */
  as: Role;
  /** A new case where `as` may send the event now. */
  build: (s: CaseStates) => Promise<Built>;
  /** Valid answers, in the form's field names. */
  valid: (b: Built) => FormFields;
  /** What the history records from those answers: the API's payload. */
  recorded: (b: Built) => Record<string, unknown>;
  /** Answers missing or wrong, and the ids the error summary links to, in the form's order; none for a form with nothing to answer. */
  invalid: { answers: FormFields; errors: string[] } | 'no questions';
  /** A case where the chart does not allow the event now, and who tries it there (`as` unless given). */
  wrong: Shared;
  wrongAs?: Role;
}

/** A GOV.UK date input's boxes, and a date with a time (London clock). */
const date = (name: string, d: number, m: number, y: number): FormFields => ({ [`${name}-day`]: String(d), [`${name}-month`]: String(m), [`${name}-year`]: String(y) });
const dateTime = (name: string, d: number, m: number, y: number, h: number, min: number): FormFields => ({
  ...date(name, d, m, y),
  [`${name}-hour`]: String(h),
  [`${name}-minute`]: String(min).padStart(2, '0'),
});
const tooLong = 'x'.repeat(5001);
const same = (answers: FormFields) => ({ valid: () => answers, recorded: () => answers as Record<string, unknown> });

describe('the staff event forms', () => {
  const env = withApp();
  const browsers = {} as Record<'f1' | 'f2' | 's1', StaffBrowser>;
  const csrf = {} as Record<'f1' | 'f2' | 's1', string>;
  let states: CaseStates;
  const shared = {} as Record<Shared, Built>;
  const built = {} as Record<StaffEvent, { a: Built; b: Built }>;

  const ids = () => ({ f1: env.staff.facilitator.id, f2: env.staff.facilitator2.id });
  const sessionOf = (role: Role) => (role === 'supervisor' ? 's1' : 'f1');
  const tokenOf = (role: Role) => (role === 'supervisor' ? env.staff.supervisor.token : env.staff.facilitator.token);

  const specs: Record<StaffEvent, FormSpec> = {
    ACCEPT_REFERRAL: {
      as: 'supervisor',
      build: (s) => s.referral(),
      valid: () => ({ facilitatorIds: [ids().f1] }),
      recorded: () => ({ facilitatorIds: [ids().f1] }),
      invalid: { answers: {}, errors: ['facilitatorIds'] },
      wrong: 'consent',
    },
    DECLINE_REFERRAL: {
      as: 'supervisor',
      build: (s) => s.referral(),
      ...same({ reason: 'duplicate_referral', note: 'Same as an earlier referral' }),
      invalid: { answers: { note: 'Same as an earlier referral' }, errors: ['reason'] },
      wrong: 'consent',
    },
    RECORD_OFFENDER_RESPONSE: {
      as: 'facilitator',
      build: (s) => s.consent(),
      ...same({ response: 'willing', note: 'Phoned them at the hostel' }),
      invalid: { answers: { note: 'Phoned them at the hostel' }, errors: ['response'] },
      wrong: 'paused',
    },
    INVITE_VICTIM: { as: 'facilitator', build: (s) => s.consent(), ...same({}), invalid: 'no questions', wrong: 'paused' },
    VICTIM_RESPONDED: {
      as: 'facilitator',
      build: (s) => s.invited(),
      ...same({ response: 'yes', preferredProcess: 'conference', accessNeeds: 'Step-free access' }),
      // A date that is not one, under the answer that reveals it.
      invalid: { answers: { response: 'not_now', ...date('reofferAfter', 30, 2, 2027) }, errors: ['reofferAfter-day'] },
      wrong: 'paused',
    },
    SUBMIT_RISK_ASSESSMENT: {
      as: 'facilitator',
      build: (s) => s.riskAssessment(),
      valid: () => ({ 'factors[safety]': 'No concerns', 'factors[motivation]': 'Wants to apologise', level: 'low', directContactAllowed: 'yes' }),
      recorded: () => ({ factors: { safety: 'No concerns', motivation: 'Wants to apologise' }, level: 'low', directContactAllowed: true }),
      // High risk allows indirect contact only.
      invalid: { answers: { 'factors[safety]': 'Threats made', level: 'high', directContactAllowed: 'yes' }, errors: ['directContactAllowed'] },
      wrong: 'consent',
    },
    APPROVE_RISK: {
      as: 'supervisor',
      build: (s) => s.awaitingApproval(),
      ...same({ note: 'Agreed with the safety plan' }),
      invalid: { answers: { note: tooLong }, errors: ['note'] },
      wrong: 'consent',
    },
    REJECT_RISK: {
      as: 'supervisor',
      build: (s) => s.awaitingApproval(),
      ...same({ decision: 'indirect_only', note: 'Too soon to meet' }),
      invalid: { answers: {}, errors: ['decision', 'note'] },
      wrong: 'consent',
    },
    RECORD_PREPARATION: {
      as: 'facilitator',
      build: (s) => s.preparation(),
      ...same({ party: 'victim', note: 'Met at home; wants to ask why' }),
      invalid: { answers: { party: 'victim' }, errors: ['note'] },
      wrong: 'consent',
    },
    ADD_SUPPORTER: {
      as: 'facilitator',
      build: (s) => s.preparation(),
      ...same({ party: 'victim', name: 'Sam Support', email: 'sam@example.org' }),
      invalid: { answers: { party: 'victim', email: 'sam at example' }, errors: ['name', 'email'] },
      wrong: 'consent',
    },
    CHOOSE_PROCESS: { as: 'facilitator', build: (s) => s.preparation(), ...same({ process: 'conference' }), invalid: { answers: {}, errors: ['process'] }, wrong: 'consent' },
    SCHEDULE_CONFERENCE: {
      as: 'facilitator',
      build: (s) => s.readyToSchedule(),
      valid: () => ({ ...dateTime('startsAt', 1, 12, 2026, 10, 0), venue: 'Community centre' }),
      recorded: () => ({ startsAt: '2026-12-01T10:00:00.000Z', venue: 'Community centre' }),
      // A start in the past: the chart's own field rule.
      invalid: { answers: { ...dateTime('startsAt', 2, 11, 2026, 10, 0), venue: 'Community centre' }, errors: ['startsAt-day'] },
      wrong: 'consent',
    },
    START_INDIRECT_EXCHANGE: {
      as: 'facilitator',
      build: (s) => s.readyForIndirect(),
      ...same({ note: 'The victim writes first' }),
      invalid: { answers: { note: tooLong }, errors: ['note'] },
      wrong: 'consent',
    },
    RESCHEDULE_CONFERENCE: {
      as: 'facilitator',
      build: (s) => s.scheduled(),
      // 10:00 on London's summer clock is 09:00 UTC.
      valid: () => ({ ...dateTime('startsAt', 2, 6, 2027, 10, 0), reason: 'The victim is unwell' }),
      recorded: () => ({ startsAt: '2027-06-02T09:00:00.000Z', reason: 'The victim is unwell' }),
      invalid: { answers: { 'startsAt-day': '2', 'startsAt-month': '6', 'startsAt-hour': '10', 'startsAt-minute': '00' }, errors: ['startsAt-year', 'reason'] },
      wrong: 'consent',
    },
    CANCEL_CONFERENCE: { as: 'facilitator', build: (s) => s.scheduled(), ...same({ reason: 'Venue closed' }), invalid: { answers: {}, errors: ['reason'] }, wrong: 'consent' },
    RECORD_OUTCOME: {
      as: 'facilitator',
      build: (s) => s.scheduled(),
      valid: () => ({
        attendees: ['victim', 'offender'],
        ...dateTime('heldAt', 23, 11, 2026, 8, 30),
        'agreement[0][action]': 'Write a letter of apology',
        'agreement[0][owner]': 'offender',
        ...date('agreement[0][dueDate]', 15, 12, 2026),
        note: 'Held a week early at their request',
      }),
      recorded: () => ({
        attendees: ['victim', 'offender'],
        heldAt: '2026-11-23T08:30:00.000Z',
        agreement: [{ action: 'Write a letter of apology', owner: 'offender', dueDate: '2026-12-15' }],
        note: 'Held a week early at their request',
      }),
      invalid: { answers: { 'agreement[0][action]': 'Write a letter of apology' }, errors: ['attendees', 'agreement-0-owner', 'agreement-0-dueDate-day'] },
      wrong: 'consent',
    },
    RECORD_INDIRECT_EXCHANGE: { as: 'facilitator', build: (s) => s.indirect(), ...same({ summary: 'Letter passed on' }), invalid: { answers: {}, errors: ['summary'] }, wrong: 'consent' },
    COMPLETE_INDIRECT: {
      as: 'facilitator',
      build: (s) => s.exchanged(),
      ...same({ note: 'Both content with the exchange' }),
      invalid: { answers: { note: tooLong }, errors: ['note'] },
      wrong: 'consent',
    },
    COMPLETE_AGREEMENT_ITEM: {
      as: 'facilitator',
      build: (s) => s.followUp(),
      ...same({ itemId: 'item-1' }),
      invalid: { answers: { note: 'Letter received' }, errors: ['itemId'] },
      wrong: 'consent',
    },
    MISS_AGREEMENT_ITEM: {
      as: 'facilitator',
      build: (s) => s.followUp(),
      ...same({ itemId: 'item-1', note: 'No letter came' }),
      invalid: { answers: { note: 'No letter came' }, errors: ['itemId'] },
      wrong: 'consent',
    },
    REQUEST_CLOSURE: {
      as: 'facilitator',
      build: (s) => s.consent(),
      ...same({ reason: 'offender_unavailable', note: 'Moved abroad' }),
      invalid: { answers: { note: 'Moved abroad' }, errors: ['reason'] },
      wrong: 'closing',
    },
    APPROVE_CLOSURE: { as: 'supervisor', build: (s) => s.closing(), ...same({ note: 'Agreed' }), invalid: { answers: { note: tooLong }, errors: ['note'] }, wrong: 'consent' },
    RETURN_CASE: {
      as: 'supervisor',
      build: (s) => s.closing(),
      ...same({ note: 'Try the new address first' }),
      invalid: { answers: {}, errors: ['note'] },
      wrong: 'consent',
    },
    RESOLVE_TASK: {
      as: 'facilitator',
      build: (s) => s.withTask(),
      valid: (b) => ({ taskId: b.taskId ?? 'task-1', note: 'Phoned the victim instead' }),
      recorded: (b) => ({ taskId: b.taskId ?? 'task-1', note: 'Phoned the victim instead' }),
      invalid: { answers: { note: 'Phoned the victim instead' }, errors: ['taskId'] },
      // Only a referral has no way to resolve a task at all; facilitators do not see referrals.
      wrong: 'referral',
      wrongAs: 'supervisor',
    },
    WITHDRAW: {
      as: 'facilitator',
      build: (s) => s.consent(),
      ...same({ party: 'victim', reason: 'Wants to move on' }),
      invalid: { answers: { reason: 'Wants to move on' }, errors: ['party'] },
      wrong: 'bothWithdrawn',
    },
    PAUSE: {
      as: 'facilitator',
      build: (s) => s.consent(),
      valid: () => ({ reason: 'Offender in hospital', ...date('until', 1, 2, 2027) }),
      recorded: () => ({ reason: 'Offender in hospital', until: '2027-02-01' }),
      invalid: { answers: date('until', 31, 2, 2027), errors: ['reason', 'until-day'] },
      wrong: 'paused',
    },
    RESUME: { as: 'facilitator', build: (s) => s.paused(), ...same({}), invalid: 'no questions', wrong: 'consent' },
    REVISE_RISK: {
      as: 'facilitator',
      build: (s) => s.preparation(),
      ...same({ reason: 'New information from probation' }),
      invalid: { answers: {}, errors: ['reason'] },
      wrong: 'consent',
    },
    REASSIGN: {
      as: 'supervisor',
      build: (s) => s.consent(),
      valid: () => ({ facilitatorIds: [ids().f1, ids().f2] }),
      recorded: () => ({ facilitatorIds: [ids().f1, ids().f2] }),
      invalid: { answers: {}, errors: ['facilitatorIds'] },
      wrong: 'referral',
    },
    ADD_NOTE: {
      as: 'facilitator',
      build: (s) => s.consent(),
      ...same({ text: 'Phoned the victim' }),
      invalid: { answers: {}, errors: ['text'] },
      // A note can be added at any time until the case is closed; facilitators do not see a declined referral.
      wrong: 'closed',
      wrongAs: 'supervisor',
    },
    CORRECT_PARTY_DETAILS: {
      as: 'supervisor',
      build: (s) => s.consent(),
      ...same({ party: 'victim', name: 'Vera Vickers', email: 'vera.vickers@example.org', phone: '01234 000000', reason: 'She married and has a new address' }),
      invalid: { answers: { party: 'victim', name: '', email: 'vera at example' }, errors: ['name', 'email', 'reason'] },
      wrong: 'closed',
    },
    RECORD_CONSENT: {
      as: 'facilitator',
      build: (s) => s.consent(),
      valid: () => ({
        party: 'victim',
        given: ['feedback'],
        withdrawn: ['emailContact', 'phoneContact'],
        channel: 'in_person',
        informationVersion: 'rj-information-2026-11',
        note: 'Met at the library',
      }),
      recorded: () => ({
        party: 'victim',
        given: ['feedback'],
        withdrawn: ['emailContact', 'phoneContact'],
        channel: 'in_person',
        informationVersion: 'rj-information-2026-11',
        note: 'Met at the library',
      }),
      invalid: { answers: { party: 'victim', given: ['feedback'], withdrawn: ['feedback'], channel: 'phone' }, errors: ['withdrawn'] },
      wrong: 'referral',
      wrongAs: 'supervisor',
    },
  };
  const formTypes = Object.keys(specs) as StaffEvent[];

  beforeAll(async () => {
    const signIn = async (name: 'f1' | 'f2' | 's1', email: string) => {
      browsers[name] = staffBrowser(env.app);
      csrf[name] = csrfOf(await browsers[name].signIn(email));
    };
    states = caseStates(env.app, env.staff);
    await Promise.all([
      signIn('f1', env.staff.facilitator.email),
      signIn('f2', env.staff.facilitator2.email),
      signIn('s1', env.staff.supervisor.email),
      ...(['referral', 'consent', 'paused', 'closing', 'bothWithdrawn', 'closed'] as const).map(async (k) => void (shared[k] = await states[k]())),
      ...formTypes.map(async (type) => {
        const [a, b] = await Promise.all([specs[type].build(states), specs[type].build(states)]);
        built[type] = { a, b };
      }),
    ]);
  }, 60_000);

  const supervisorToken = () => env.staff.supervisor.token;
  const versionOf = async (b: Built) => (await b.c.get(supervisorToken())).version as number;
  const historyOf = async (b: Built) => (await b.c.history(supervisorToken())).events;
  const pathOf = (b: Built, type: StaffEvent) => `/cases/${b.id}/events/${type}`;
  const doneTitle = (type: StaffEvent) => `Done: ${eventLabels[type].charAt(0).toLowerCase()}${eventLabels[type].slice(1)}`;

  /** Opens the form and posts it with these answers, as its button does; through check your answers to the page that records it. */
  async function answer(browser: StaffBrowser, path: string, answers: FormFields, check: boolean): Promise<{ toRecord: FormFields; checkPage?: Page }> {
    const form = await browser.get(path);
    expect(form.status, `${path}: ${form.$('h1').text()}`).toBe(200);
    const posted = { ...formFields(form), ...answers };
    if (!check) return { toRecord: posted };
    const checkPage = await browser.post(path, posted);
    expect(checkPage.status, checkPage.$('h1').text()).toBe(200);
    expect(checkPage.$('h1').text()).toContain('Check your answers');
    const toRecord = formFields(checkPage);
    expect(toRecord.step).toBe('confirm');
    return { toRecord, checkPage };
  }

  it('has exactly one form for every event a facilitator or a supervisor may send, and this table covers each', () => {
    const staffEvents = Object.entries(eventSenders)
      .filter(([, roles]) => (roles as readonly string[]).some((r) => r === 'facilitator' || r === 'supervisor'))
      .map(([type]) => type)
      .sort();
    expect(Object.keys(eventForms).sort()).toEqual(staffEvents);
    expect(formTypes.slice().sort()).toEqual(staffEvents);
    for (const type of formTypes) {
      const senders = eventSenders[type] as readonly string[];
      expect(senders, type).toContain(specs[type].as);
      // Facilitator 1 sends whatever a facilitator may send, so the allocation rules are exercised too.
      if (senders.includes('facilitator')) expect(specs[type].as, type).toBe('facilitator');
    }
  });

  describe.each(formTypes)('%s', (type) => {
    const spec = specs[type];
    const check = eventForms[type].check === true;
    const session = sessionOf(spec.as);

    if (spec.invalid === 'no questions') {
      it('asks nothing but to confirm', async () => {
        const form = await browsers[session].get(pathOf(built[type].a, type));
        expect(form.status).toBe(200);
        expect(visibleInputs(form)).toEqual([]);
      });
    } else {
      const invalid = spec.invalid;
      it('answers missing or wrong answers with 422, an error at each field, and what was typed kept; nothing changes', async () => {
        const { a } = built[type];
        const before = await versionOf(a);
        const browser = browsers[session];
        const form = await browser.get(pathOf(a, type));
        expect(form.status).toBe(200);
        const page = await browser.post(pathOf(a, type), { ...formFields(form), ...invalid.answers });
        expect(page.status, page.$('h1').text()).toBe(422);
        const summary = errorSummary(page);
        // In the order of the form, each linking to the input to fix.
        expect.soft(summary.map((e) => e.href)).toEqual(invalid.errors.map((id) => `#${id}`));
        expect(summary.map((e) => e.href).sort()).toEqual(invalid.errors.map((id) => `#${id}`).sort());
        for (const { href, text } of summary) {
          const target = page.$(`[id="${href!.slice(1)}"]`);
          expect(target.length, `${href} is on the page`).toBe(1);
          expect(target.is('input, textarea, select'), `${href} is an input`).toBe(true);
          const group = target.closest('.govuk-form-group--error');
          expect.soft(group.length, `${href} is in a field with an error`).toBe(1);
          expect.soft(group.find('.govuk-error-message').first().text(), `${href}'s error message`).toContain(text);
          expect(text.length).toBeGreaterThan(5);
          // Written for the form, not the API: no field names, no ISO 8601 formats.
          expect.soft(text, 'an error message in the words of the form').not.toMatch(/\b[a-z]+[A-Z]\w*\b|\d{4}-\d{2}-\d{2}T/);
        }
        for (const [name, value] of Object.entries(invalid.answers)) expect(shown(page, name), name).toEqual(value);
        // Posted again as the page now stands, it is still refused: the version and key were kept.
        expect(formFields(page).version).toBe(String(before));
        expect(formFields(page).idempotencyKey).toBe(formFields(form).idempotencyKey);
        expect(await versionOf(a)).toBe(before);
      });
    }

    it('refuses a form posted without its anti-forgery token (403), and nothing changes', async () => {
      const { a } = built[type];
      const before = await versionOf(a);
      const browser = browsers[session];
      const form = await browser.get(pathOf(a, type));
      const { _csrf, ...withoutToken } = formFields(form);
      expect(_csrf).toBe(csrf[session]);
      // Straight to the step that records it: only the missing token stops it.
      const page = await browser.post(pathOf(a, type), { ...withoutToken, ...spec.valid(a), step: 'confirm' });
      expect(page.status).toBe(403);
      expect(page.$('h1').text()).toBe('This form has expired');
      expect(await versionOf(a)).toBe(before);
    });

    it('shows a facilitator who is not allocated no such case (404), to open or to post', async () => {
      const { a } = built[type];
      const before = await versionOf(a);
      const browser = browsers.f2;
      const opened = await browser.get(pathOf(a, type));
      expect(opened.status).toBe(404);
      expect(opened.$('h1').text()).toBe('Case not found');
      const posted = await browser.post(pathOf(a, type), {
        _csrf: csrf.f2,
        version: String(before),
        idempotencyKey: randomUUID(),
        step: 'confirm',
        ...spec.valid(a),
      });
      expect(posted.status).toBe(404);
      expect(posted.$('h1').text()).toBe('Case not found');
      expect(await versionOf(a)).toBe(before);
    });

    it(`records the answers${check ? ' after check your answers' : ''}, lands on the case with a success banner, and the history shows it`, async () => {
      const { a } = built[type];
      const browser = browsers[session];
      const before = await historyOf(a);
      const form = await browser.get(pathOf(a, type));
      expect(form.status).toBe(200);
      expect(form.$('h1').text().trim()).toBe(eventLabels[type]);
      const { toRecord, checkPage } = await answer(browser, pathOf(a, type), spec.valid(a), check);
      if (checkPage) expect(checkPage.$('.govuk-summary-list, main p').length).toBeGreaterThan(0);
      const recorded = await browser.post(pathOf(a, type), toRecord);
      expect(recorded.status, recorded.$('h1').text() + errorSummary(recorded).map((e) => e.text).join('; ')).toBe(303);
      expect(recorded.location).toBe(`/cases/${a.id}`);
      const landed = await browser.follow(recorded);
      expect(landed.status).toBe(200);
      const banner = landed.$('.govuk-notification-banner.govuk-notification-banner--success');
      expect(banner.length).toBe(1);
      expect(banner.find('.govuk-notification-banner__heading').text().trim()).toBe(doneTitle(type));
      const after = await historyOf(a);
      const added = after.slice(before.length);
      expect(added.map((e) => e.type)).toEqual([type]);
      expect(added[0]!.data).toEqual(spec.recorded(a));
      expect(added[0]!.actor.id).toBe(spec.as === 'supervisor' ? env.staff.supervisor.id : env.staff.facilitator.id);
    });

    it('refuses a form opened before the case changed (409), says what changed and offers to start again; nothing is recorded from it', async () => {
      const { b } = built[type];
      const browser = browsers[session];
      const { toRecord } = await answer(browser, pathOf(b, type), spec.valid(b), check);
      await b.c.ok(supervisorToken(), { type: 'ADD_NOTE', text: 'Phoned the offender' });
      const before = await historyOf(b);
      const page = await browser.post(pathOf(b, type), toRecord);
      expect(page.status).toBe(409);
      expect(page.$('h1').text()).toBe('The case has changed since you opened this form');
      const changes = page.$('h2:contains("What changed") + ul li').map((_, li) => page.$(li).text()).get();
      expect(changes).toHaveLength(1);
      expect(changes[0]).toContain(eventLabels.ADD_NOTE);
      expect(changes[0]).toContain('supervisor 1');
      const again = page.$(`a[href="${pathOf(b, type)}"]`);
      expect(again.text()).toContain('Start again');
      expect((await historyOf(b)).length).toBe(before.length);
    });

    it('records a double submit of the same form once, and both land on the case', async () => {
      const { b } = built[type];
      const browser = browsers[session];
      const before = await historyOf(b);
      const { toRecord } = await answer(browser, pathOf(b, type), spec.valid(b), check);
      const [first, second] = [await browser.post(pathOf(b, type), toRecord), await browser.post(pathOf(b, type), toRecord)];
      for (const page of [first, second]) {
        expect(page.status, page.$('h1').text()).toBe(303);
        expect(page.location).toBe(`/cases/${b.id}`);
      }
      expect((await historyOf(b)).slice(before.length).map((e) => e.type)).toEqual([type]);
    });

    it('refuses it on a case where the chart does not allow it now (409), giving the reason and what can happen instead', async () => {
      const w = shared[spec.wrong];
      const role = spec.wrongAs ?? spec.as;
      const browser = browsers[sessionOf(role)];
      const token = tokenOf(role);
      const view = await w.c.get(token);
      expect(view.allowedEvents).not.toContain(type);

      const opened = await browser.get(pathOf(w, type));
      expect(opened.status).toBe(409);
      expect(opened.$('h1').text()).toContain('You cannot');
      const openedReasons = opened.$('[data-reasons] li[data-rule]');
      expect(openedReasons.length).toBeGreaterThan(0);
      openedReasons.each((_, li) => void expect(opened.$(li).text().trim().length).toBeGreaterThan(10));
      const links = (page: Page) => page.$('a[data-event]').map((_, a) => page.$(a).attr('data-event')).get().sort();
      expect(links(opened)).toEqual([...view.allowedEvents].sort());
      opened.$('a[data-event]').each((_, a) => void expect(opened.$(a).attr('href')).toBe(`/cases/${w.id}/events/${opened.$(a).attr('data-event')}`));

      const posted = await browser.post(pathOf(w, type), {
        _csrf: csrf[sessionOf(role)],
        version: String(view.version),
        idempotencyKey: randomUUID(),
        step: check ? 'check' : 'confirm',
        ...spec.valid(w),
      });
      expect(posted.status, posted.$('h1').text() + errorSummary(posted).map((e) => e.text).join('; ')).toBe(409);
      expect(links(posted)).toEqual([...view.allowedEvents].sort());
      // The same reasons the API gives for the same event.
      const api = await w.c.send(token, { type, ...spec.recorded(w) });
      expect(api.status).toBe(409);
      const rules = posted.$('[data-reasons] li[data-rule]').map((_, li) => posted.$(li).attr('data-rule')).get();
      expect(rules.length).toBeGreaterThan(0);
      expect(rules).toEqual(api.body.reasons.map((r: { rule: string }) => r.rule));
      expect(await versionOf(w)).toBe(view.version);
    });
  });

  describe('options the chart would refuse are not offered', () => {
    it('offers no conference when the risk decision allows indirect contact only', async () => {
      const [indirectOnly, direct] = await Promise.all([states.indirectOnly(), states.preparation()]);
      const narrow = await browsers.f1.get(pathOf(indirectOnly, 'CHOOSE_PROCESS'));
      expect(narrow.status).toBe(200);
      expect(choices(narrow, 'process')).toEqual(['shuttle', 'letter']);
      const wide = await browsers.f1.get(pathOf(direct, 'CHOOSE_PROCESS'));
      expect(choices(wide, 'process')).toEqual(['conference', 'shuttle', 'letter']);
    });

    it('offers only the closure reasons that fit the case', async () => {
      const [consent, fulfilled] = await Promise.all([states.consent(), states.fulfilled()]);
      const early = await browsers.f1.get(pathOf(consent, 'REQUEST_CLOSURE'));
      expect(choices(early, 'reason')).toEqual(closureReasons.filter((r) => !completedReasons.includes(r)));
      // After a conference whose only agreement item was completed.
      const late = await browsers.f1.get(pathOf(fulfilled, 'REQUEST_CLOSURE'));
      expect(choices(late, 'reason')).toEqual(closureReasons.filter((r) => !completedReasons.includes(r) || r === 'completed_direct' || r === 'agreement_fulfilled'));
    });
  });

  it('adds and removes agreement items without JavaScript, keeping what was typed, then records what is left', async () => {
    const b = await states.scheduled();
    const path = pathOf(b, 'RECORD_OUTCOME');
    const browser = browsers.f1;
    const before = await versionOf(b);
    const form = await browser.get(path);
    const { step: _button, ...hidden } = formFields(form);
    const first = { 'agreement[0][action]': 'Write a letter of apology', 'agreement[0][owner]': 'offender', ...date('agreement[0][dueDate]', 15, 12, 2026) };
    const added = await browser.post(path, { ...hidden, attendees: ['victim', 'offender'], ...first, listAction: 'add:agreement' });
    expect(added.status).toBe(200);
    expect(errorSummary(added)).toEqual([]);
    expect(added.$('[name="agreement[0][action]"]').length).toBe(1);
    expect(added.$('[name="agreement[1][action]"]').length).toBe(1);
    expect(added.$('[name="agreement[2][action]"]').length).toBe(0);
    for (const [name, value] of Object.entries(first)) expect(shown(added, name), name).toBe(value);
    expect(shown(added, 'agreement[1][action]')).toBe('');
    expect(shown(added, 'attendees')).toEqual(['victim', 'offender']);
    expect(added.$('button[name=listAction][value="remove:agreement:1"]').length).toBe(1);

    const second = { 'agreement[1][action]': 'Pay for the window', 'agreement[1][owner]': 'offender', ...date('agreement[1][dueDate]', 31, 1, 2027) };
    const { step: _again, ...hiddenNow } = formFields(added);
    const removed = await browser.post(path, { ...hiddenNow, attendees: ['victim', 'offender'], ...first, ...second, ...dateTime('heldAt', 23, 11, 2026, 8, 30), listAction: 'remove:agreement:0' });
    expect(removed.status).toBe(200);
    expect(removed.$('[name="agreement[1][action]"]').length).toBe(0);
    expect(shown(removed, 'agreement[0][action]')).toBe('Pay for the window');
    expect(shown(removed, 'agreement[0][dueDate]-day')).toBe('31');
    expect(shown(removed, 'heldAt-hour')).toBe('8');
    expect(await versionOf(b)).toBe(before);

    const remaining: FormFields = { ...formFields(removed), attendees: ['victim', 'offender'], ...dateTime('heldAt', 23, 11, 2026, 8, 30) };
    for (const name of ['agreement[0][action]', 'agreement[0][owner]', 'agreement[0][dueDate]-day', 'agreement[0][dueDate]-month', 'agreement[0][dueDate]-year']) {
      remaining[name] = shown(removed, name) as string;
    }
    const recorded = await browser.post(path, remaining);
    expect(recorded.status, errorSummary(recorded).map((e) => e.text).join('; ')).toBe(303);
    const outcome = (await historyOf(b)).at(-1)!;
    expect(outcome.type).toBe('RECORD_OUTCOME');
    expect(outcome.data.agreement).toEqual([{ action: 'Pay for the window', owner: 'offender', dueDate: '2027-01-31' }]);
  });

  describe('the new referral form', () => {
    const valid: FormFields = {
      'referrer[agency]': 'Northshire Police',
      'referrer[name]': 'PC Dana Jones',
      'referrer[email]': 'dana.jones@police.example',
      'offence[type]': 'burglary',
      ...date('offence[date]', 1, 10, 2026),
      'offence[description]': 'Burglary of a dwelling',
      'offence[crimeReference]': 'NP/2026/1234',
      cjsStage: 'post_sentence',
      initiatedBy: 'victim',
      'victim[name]': 'Vera Victim',
      'victim[email]': 'vera@example.org',
      'victim[phone]': '01234 567890',
      'offender[name]': 'Oscar Offender',
      'offender[email]': 'oscar@example.net',
      flags: ['youth', 'vulnerableVictim'],
    };
    const total = async () => (await env.app.request('GET', '/api/cases', { token: supervisorToken() })).body.total as number;

    it('enters a referral: the case is created at referral and its page says so', async () => {
      const browser = browsers.s1;
      const form = await browser.get('/cases/new');
      expect(form.status).toBe(200);
      const page = await browser.post('/cases/new', { ...formFields(form), ...valid });
      expect(page.status, errorSummary(page).map((e) => e.text).join('; ')).toBe(303);
      const id = /^\/cases\/([^/?#]+)$/.exec(page.location ?? '')?.[1];
      expect(id).toBeDefined();
      const landed = await browser.follow(page);
      expect(landed.status).toBe(200);
      const banner = landed.$('.govuk-notification-banner.govuk-notification-banner--success');
      expect(banner.find('.govuk-notification-banner__heading').text()).toMatch(/^Referral entered: RJ-2026-\d{6}$/);
      const created = await env.app.request('GET', `/api/cases/${id}`, { token: supervisorToken() });
      expect(created.status).toBe(200);
      expect(created.body.case).toMatchObject({ stage: 'referral', status: 'active', facilitatorIds: [] });
      expect(created.body.case.referral).toMatchObject({
        referrer: { agency: 'Northshire Police', name: 'PC Dana Jones', email: 'dana.jones@police.example' },
        offence: { type: 'burglary', date: '2026-10-01', description: 'Burglary of a dwelling', crimeReference: 'NP/2026/1234' },
        cjsStage: 'post_sentence',
        initiatedBy: 'victim',
        victim: { name: 'Vera Victim', email: 'vera@example.org', phone: '01234 567890' },
        offender: { name: 'Oscar Offender', email: 'oscar@example.net' },
        flags: { youth: true, vulnerableVictim: true },
      });
      expect(banner.length).toBe(1);
    });

    it('takes a facilitator who enters a referral to a page they can see, which says it was entered', async () => {
      // Facilitators may enter referrals, but see a case only once it is allocated to them.
      const browser = browsers.f1;
      const form = await browser.get('/cases/new');
      const page = await browser.post('/cases/new', { ...formFields(form), ...valid, 'offence[crimeReference]': 'NP/2026/5555' });
      expect(page.status).toBe(303);
      const landed = await browser.follow(page);
      expect(landed.status, landed.$('h1').text()).toBe(200);
      expect(landed.$('.govuk-notification-banner--success .govuk-notification-banner__heading').text()).toMatch(/^Referral entered: RJ-2026-\d{6}$/);
    });

    it('refuses a date that is not real and missing answers in one error summary, keeping what was typed; no case is created', async () => {
      const browser = browsers.f1;
      const before = await total();
      const form = await browser.get('/cases/new');
      const answers: FormFields = { ...valid, ...date('offence[date]', 31, 2, 2026), 'referrer[name]': '', 'victim[name]': '', cjsStage: '' };
      const page = await browser.post('/cases/new', { ...formFields(form), ...answers });
      expect(page.status).toBe(422);
      const summary = errorSummary(page);
      // In the order of the form.
      expect.soft(summary.map((e) => e.href)).toEqual(['#referrer-name', '#offence-date-day', '#cjsStage', '#victim-name']);
      expect(summary.map((e) => e.href).sort()).toEqual(['#cjsStage', '#offence-date-day', '#referrer-name', '#victim-name']);
      expect(summary.find((e) => e.href === '#offence-date-day')!.text).toMatch(/real date/);
      for (const { href, text } of summary) {
        const group = page.$(`[id="${href!.slice(1)}"]`).closest('.govuk-form-group--error');
        expect(group.length, href).toBe(1);
        expect(group.find('.govuk-error-message').first().text()).toContain(text);
      }
      for (const [name, value] of Object.entries(answers)) expect(shown(page, name), name).toEqual(value);
      expect(await total()).toBe(before);
    });

    it('creates one case from a double submit', async () => {
      const browser = browsers.f1;
      const before = await total();
      const form = await browser.get('/cases/new');
      const body = { ...formFields(form), ...valid, 'offence[crimeReference]': 'NP/2026/9999' };
      const first = await browser.post('/cases/new', body);
      const second = await browser.post('/cases/new', body);
      expect(first.status).toBe(303);
      expect(second.status).toBe(303);
      expect(second.location).toBe(first.location);
      expect(await total()).toBe(before + 1);
    });
  });
});
