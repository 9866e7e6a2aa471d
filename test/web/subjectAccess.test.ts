import { describe, expect, it } from 'vitest';
import { caseClient, type CaseClient } from '../api/apiSteps.js';
import { openCase, sampleReferral, withApp, type Staff, type TestApp } from '../support/harness.js';
import { linkToken, partyClient } from './partySteps.js';
import { staffBrowser } from './staffBrowser.js';

/**
 * Subject access exports over real HTTP, on a real SQLite file: a case with a unique sentinel in
 * every personal field of both parties, their supporters and the referrer; each party's export (the
 * JSON file, the printable page and the API) holds every one of the subject's and none of anyone
 * else's; each export is in the case's history and the chain still verifies; only supervisors get one.
 */

/** The sentinels planted in the case, by whose they are. */
const victim = {
  name: 'Valentina Quorvex',
  email: 'vq.sentinel@victim.example',
  phone: '07700 900111',
  supporter: { name: 'Sabine Korrowitz', email: 'sk.sentinel@support.example' },
  accessNeeds: 'VAN4412 needs step-free access',
  safeContact: 'VSC5521 weekday evenings only',
  answerNote: 'VRN6631 worried that Osbert Zandrillo knows the street; wrote to oz.sentinel@offender.example and rang 07700900222',
  preparation: 'VPN7712 Torvald Brimbecker must not attend',
  feedback: 'VFB8813 glad Osbert listened',
  consentNote: 'VCN2214 no calls: Osbert Zandrillo once rang her',
};
const offender = {
  name: 'Osbert Zandrillo',
  email: 'oz.sentinel@offender.example',
  phone: '07700 900222',
  supporter: { name: 'Torvald Brimbecker', email: 'tb.sentinel@support.example' },
  responseNote: 'ORN7741 sorry for what happened to Valentina Quorvex',
  preparation: 'OPN8852 will bring Sabine Korrowitz a letter? no, sk.sentinel@support.example declined',
  feedback: 'OFB9914 Valentina was brave',
  consentNote: 'OCN3315 happy for Valentina to hear his answers',
};
const referrer = { name: 'Rhiannon Plexwick', email: 'rp.sentinel@police.example' };
/** Case-wide: both parties' exports hold these, with the other party's identifiers redacted. */
const shared = {
  agency: 'Agency AGY7731',
  offenceType: 'burglary OTY2201',
  description: 'DSC3301 Osbert Zandrillo entered the home of Valentina Quorvex, reported by Rhiannon Plexwick',
  risk: 'RSK4401 no contact between Osbert and Valentina outside meetings',
  exchange: 'EXC5501 letters passed between Valentina Quorvex and Osbert Zandrillo (07700 900111 / 07700 900222)',
  note: 'CWN6601 rp.sentinel@police.example asked after vq.sentinel@victim.example and oz.sentinel@offender.example',
};

/** What each party's export must hold, and what it must not. */
const mustHold = {
  victim: [victim.name, victim.email, victim.phone, victim.supporter.name, victim.supporter.email, victim.accessNeeds, victim.safeContact, 'VRN6631', 'VPN7712', 'VFB8813', 'VCN2214', 'AGY7731', 'OTY2201', 'DSC3301', 'RSK4401', 'EXC5501', 'CWN6601'],
  offender: [offender.name, offender.email, offender.phone, offender.supporter.name, offender.supporter.email, 'ORN7741', 'OPN8852', 'OFB9914', 'OCN3315', 'AGY7731', 'OTY2201', 'DSC3301', 'RSK4401', 'EXC5501', 'CWN6601'],
};
const words = (name: string) => name.split(' ');
const digits = (phone: string) => phone.replace(/\D/g, '').slice(-6);
const mustNotHold = {
  victim: [
    ...words(offender.name), offender.email, offender.phone, digits(offender.phone), ...words(offender.supporter.name), offender.supporter.email,
    'ORN7741', 'OPN8852', 'OFB9914', 'OCN3315', ...words(referrer.name), referrer.email,
  ],
  offender: [
    ...words(victim.name), victim.email, victim.phone, digits(victim.phone), ...words(victim.supporter.name), victim.supporter.email,
    victim.accessNeeds, victim.safeContact, 'VAN4412', 'VSC5521', 'VRN6631', 'VPN7712', 'VFB8813', 'VCN2214', 'info-v7', ...words(referrer.name), referrer.email,
  ],
};

/** A case taken through an indirect exchange, with every sentinel planted and each party's feedback given. */
async function sentinelCase(app: TestApp, staff: Staff): Promise<CaseClient> {
  const referral = sampleReferral({
    referrer: { agency: shared.agency, name: referrer.name, email: referrer.email },
    offence: { type: shared.offenceType, date: '2026-10-01', description: shared.description, crimeReference: 'CRF9001' },
    victim: { name: victim.name, email: victim.email, phone: victim.phone },
    offender: { name: offender.name, email: offender.email, phone: offender.phone },
    flags: { vulnerableVictim: true },
  });
  const c = caseClient(app, await openCase(app, staff, referral));
  const f = staff.facilitator.token;
  await c.ok(f, { type: 'INVITE_VICTIM' });
  await c.ok(f, { type: 'VICTIM_RESPONDED', response: 'yes', preferredProcess: 'shuttle', accessNeeds: victim.accessNeeds, safeContact: victim.safeContact, note: victim.answerNote });
  await c.ok(f, { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing', note: offender.responseNote });
  await c.ok(f, { type: 'RECORD_CONSENT', party: 'victim', withdrawn: ['phoneContact'], channel: 'phone', informationVersion: 'info-v7', note: victim.consentNote });
  await c.ok(f, { type: 'RECORD_CONSENT', party: 'offender', given: ['shareInformation'], channel: 'in_person', note: offender.consentNote });
  await c.ok(f, { type: 'SUBMIT_RISK_ASSESSMENT', level: 'low', factors: { safety: shared.risk }, directContactAllowed: true });
  await c.ok(f, { type: 'ADD_SUPPORTER', party: 'victim', ...victim.supporter });
  await c.ok(f, { type: 'ADD_SUPPORTER', party: 'offender', ...offender.supporter });
  await c.ok(f, { type: 'CHOOSE_PROCESS', process: 'shuttle' });
  await c.ok(f, { type: 'RECORD_PREPARATION', party: 'victim', note: victim.preparation });
  await c.ok(f, { type: 'RECORD_PREPARATION', party: 'offender', note: offender.preparation });
  await c.ok(f, { type: 'START_INDIRECT_EXCHANGE' });
  await c.ok(f, { type: 'RECORD_INDIRECT_EXCHANGE', summary: shared.exchange });
  await c.ok(f, { type: 'COMPLETE_INDIRECT' });
  await c.ok(f, { type: 'ADD_NOTE', text: shared.note });
  const party = partyClient(app);
  for (const [who, comment] of [['victim', victim.feedback], ['offender', offender.feedback]] as const) {
    const done = await party.submit(await party.open(await linkToken(app, c.id, 'feedback_request', 'feedback', who)), { rating: '4', comment });
    expect(done.status, done.$('h1').text()).toBe(200);
  }
  expect((await app.services.store.feedback(c.id)).map((fb) => fb.party).sort()).toEqual(['offender', 'victim']);
  return c;
}

const missing = (text: string, sentinels: string[]) => sentinels.filter((s) => !text.toLowerCase().includes(s.toLowerCase()));
const present = (text: string, sentinels: string[]) => sentinels.filter((s) => text.toLowerCase().includes(s.toLowerCase()));

describe('a subject access export', () => {
  const env = withApp();

  it('holds every sentinel of the subject and none of the other party’s, the supporters’ of the other party, the referrer’s or staff’s: as JSON, as a page and from the API', async () => {
    const { app, staff } = env;
    const c = await sentinelCase(app, staff);
    const supervisor = staffBrowser(app);
    await supervisor.signIn(staff.supervisor.email);
    const staffIds = Object.values(staff).map((u) => u.id);
    const staffNames = ['facilitator 1', 'facilitator1@test.rj.local', 'supervisor1@test.rj.local'];

    // The case page links a supervisor to the chooser, which offers each party's page and file.
    const casePage = await supervisor.get(`/cases/${c.id}`);
    expect(casePage.$('[data-subject-access]').attr('href')).toBe(`/cases/${c.id}/subject-access`);
    const chooser = await supervisor.get(`/cases/${c.id}/subject-access`);
    expect(chooser.status).toBe(200);
    expect(chooser.$('[data-party=victim] [data-export-page]').attr('href')).toBe(`/cases/${c.id}/subject-access/victim`);
    expect(chooser.$('[data-party=offender] [data-export-json]').attr('href')).toBe(`/cases/${c.id}/subject-access/offender.json`);
    expect(chooser.$('main').text()).toContain('recorded in the case’s history');

    for (const party of ['victim', 'offender'] as const) {
      const file = await supervisor.get(`/cases/${c.id}/subject-access/${party}.json`);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toMatch(/^application\/json/);
      expect(file.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="?RJ-\\d{4}-\\d{6}-${party}-subject-access\\.json"?$`));
      expect(file.headers.get('cache-control')).toBe('no-store');
      const page = await supervisor.get(`/cases/${c.id}/subject-access/${party}`);
      expect(page.status).toBe(200);
      const api = await app.request('GET', `/api/cases/${c.id}/subject-access/${party}`, { token: staff.supervisor.token });
      expect(api.status).toBe(200);
      const apiText = JSON.stringify(api.body);

      for (const [how, text] of [['JSON file', file.html], ['page', page.html], ['API', apiText]] as const) {
        expect(missing(text, mustHold[party]), `${party}'s ${how} lacks`).toEqual([]);
        expect(present(text, mustNotHold[party]), `${party}'s ${how} shows`).toEqual([]);
        expect(present(text, [...staffIds, 'facilitator 1', 'facilitator1@test.rj.local']), `${party}'s ${how} names staff`).toEqual([]);
        expect(text, how).toContain('[redacted]');
        // The crime reference is how the police find the offence, not the subject's data.
        expect(text, how).not.toContain('CRF9001');
      }
      // In the file, staff are named by role only, and the supervisor who made it is not named.
      expect(present(file.html, staffNames), `${party}'s file`).toEqual([]);
      const json = JSON.parse(file.html);
      expect(json).toMatchObject({ kind: 'subject_access_export', subject: party, producedBy: 'a supervisor', format: 'json' });
      expect(json.person).toEqual({ name: party === 'victim' ? victim.name : offender.name, email: party === 'victim' ? victim.email : offender.email, phone: party === 'victim' ? victim.phone : offender.phone });
      expect(json.referral.referringAgency).toBe(shared.agency);
      expect(json.referral.offence.description).toBe(
        party === 'victim' ? `DSC3301 [redacted] entered the home of ${victim.name}, reported by [redacted]` : `DSC3301 ${offender.name} entered the home of [redacted], reported by [redacted]`,
      );
      expect(json.referral.flags).toEqual(party === 'victim' ? ['Vulnerable victim'] : []);
      expect(json.supporters).toEqual([party === 'victim' ? victim.supporter : offender.supporter]);
      expect(json.feedback).toMatchObject([{ rating: 4 }]);
      // Their part of the consent ledger: taking part, and what they gave or withdrew since.
      const consent = Object.fromEntries(json.consent.current.filter((c: { status: string | null }) => c.status).map((c: { purpose: string; status: string; how: string }) => [c.purpose, `${c.status} ${c.how}`]));
      expect(consent).toEqual(party === 'victim' ? { participation: 'given recorded by staff', phoneContact: 'withdrawn by phone' } : { participation: 'given recorded by staff', shareInformation: 'given in person' });
      expect(json.consent.entries.map((e: { by: string }) => e.by)).toEqual(['a facilitator', 'a facilitator']);
      expect(page.$('[data-consent] .govuk-summary-list__row').length).toBe(6);
      expect(page.$('[data-consent-entries] tbody tr').length).toBe(2);
      expect(json.notices.length).toBeGreaterThan(0);
      expect(json.notices.every((n: { what: string; statusText: string }) => n.what && n.statusText)).toBe(true);
      for (const h of json.history) expect(['a supervisor', 'a facilitator', 'the service', `the ${party}, through their link`], h.type).toContain(h.by);
      // Each party's own entries are theirs alone; the case's own are in both.
      const types = json.history.map((h: { type: string }) => h.type);
      expect(types).toContain(party === 'victim' ? 'VICTIM_RESPONDED' : 'RECORD_OFFENDER_RESPONSE');
      expect(types).not.toContain(party === 'victim' ? 'RECORD_OFFENDER_RESPONSE' : 'VICTIM_RESPONDED');
      expect(types).toEqual(expect.arrayContaining(['REFERRAL_RECEIVED', 'SUBMIT_RISK_ASSESSMENT', 'RECORD_INDIRECT_EXCHANGE', 'ADD_NOTE', 'SUBJECT_ACCESS_EXPORTED']));
      // The page shows the same sections.
      expect(page.$('h1').text().trim()).toMatch(new RegExp(`^Subject access export: the ${party} of case RJ-\\d{4}-\\d{6}$`));
      expect(page.$('[data-history] tbody tr').length).toBe(json.history.length + 1);
      expect(page.$('[data-export-caption]').text().trim()).toMatch(/^Northshire Restorative Justice Service · case RJ-\d{4}-\d{6}$/);
    }
  });

  it('is recorded in the case’s history, by whom and for whom, shown in the audited history, and the chain still verifies', async () => {
    const { app, staff } = env;
    const c = caseClient(app, await openCase(app, staff));
    const supervisor = staffBrowser(app);
    await supervisor.signIn(staff.supervisor.email);
    const stateBefore = (await app.services.store.history(c.id)).at(-1)!.to;
    const before = await c.get(staff.supervisor.token);

    expect((await supervisor.get(`/cases/${c.id}/subject-access`)).status).toBe(200);
    expect((await supervisor.get(`/cases/${c.id}/subject-access/victim`)).status).toBe(200);
    expect((await supervisor.get(`/cases/${c.id}/subject-access/offender.json`)).status).toBe(200);
    expect((await app.request('GET', `/api/cases/${c.id}/subject-access/victim`, { token: staff.supervisor2.token })).status).toBe(200);

    const entries = (await app.services.store.history(c.id)).filter((h) => h.type === 'SUBJECT_ACCESS_EXPORTED');
    expect(entries.map(({ actor, from, to, data }) => ({ actor, from, to, data }))).toEqual([
      { actor: { kind: 'user', id: staff.supervisor.id, role: 'supervisor' }, from: stateBefore, to: stateBefore, data: { party: 'victim', format: 'html' } },
      { actor: { kind: 'user', id: staff.supervisor.id, role: 'supervisor' }, from: stateBefore, to: stateBefore, data: { party: 'offender', format: 'json' } },
      { actor: { kind: 'user', id: staff.supervisor2.id, role: 'supervisor' }, from: stateBefore, to: stateBefore, data: { party: 'victim', format: 'json' } },
    ]);
    // Recorded beside the chart's events, it moves nothing: the case is where it was.
    const after = await c.get(staff.supervisor.token);
    expect(after.state).toEqual(before.state);
    expect(after.version).toBe(before.version + 3);
    expect((await app.services.store.history(c.id)).at(-1)!.to).toBe(stateBefore);
    expect(await app.services.store.verifyChain()).toMatchObject({ ok: true });

    // The audited history names each export in words.
    const audited = await supervisor.get(`/cases/${c.id}/history?show=events`);
    const labels = audited.$('[data-history] tbody tr th').map((_, th) => audited.$(th).contents().first().text().trim()).get();
    expect(labels.filter((l) => l.startsWith('Subject access'))).toEqual([
      'Subject access export for the victim (JSON file)',
      'Subject access export for the offender (JSON file)',
      'Subject access export for the victim (printable page)',
    ]);
    // The export lists itself: the newest entry of the victim's file is the export that made it.
    const file = JSON.parse((await supervisor.get(`/cases/${c.id}/subject-access/victim.json`)).html);
    expect(file.history.at(-1)).toMatchObject({ type: 'SUBJECT_ACCESS_EXPORTED', by: 'a supervisor', data: { party: 'victim', format: 'json' }, what: 'Subject access export for the victim (JSON file)' });
    expect(await app.services.store.verifyChain()).toMatchObject({ ok: true });
  });

  it('shows an entry whose content was erased as erased, with the date and the reason', async () => {
    const { app, staff } = env;
    const c = caseClient(app, await openCase(app, staff));
    await c.ok(staff.facilitator.token, { type: 'ADD_NOTE', text: 'NOTE1177 before the erasure' });
    await app.services.store.erasePersonalData({ caseId: c.id, party: 'offender', basis: 'erasure_request', actor: { kind: 'user', id: staff.supervisor.id, role: 'supervisor' }, at: app.clock().toISOString() });
    const res = await app.request('GET', `/api/cases/${c.id}/subject-access/victim`, { token: staff.supervisor.token });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain('NOTE1177');
    const note = res.body.history.find((h: { type: string }) => h.type === 'ADD_NOTE');
    expect(note.erased).toMatchObject({ reason: 'erasure_request', text: 'Content erased on Monday 23 November 2026 under: The person asked for their data to be erased (Article 17)' });
    const supervisor = staffBrowser(app);
    await supervisor.signIn(staff.supervisor.email);
    const page = await supervisor.get(`/cases/${c.id}/subject-access/victim`);
    expect(page.$('[data-erased]').map((_, p) => page.$(p).text().trim()).get()).toContain(note.erased.text);
  });

  it('is refused to facilitators (403, or 404 on a case they are not on) and admins (404), as pages and from the API, and records nothing', async () => {
    const { app, staff } = env;
    const c = caseClient(app, await openCase(app, staff));
    const paths = [`/cases/${c.id}/subject-access`, `/cases/${c.id}/subject-access/victim`, `/cases/${c.id}/subject-access/offender.json`];
    for (const [user, status] of [[staff.facilitator, 403], [staff.facilitator2, 404], [staff.admin, 404]] as const) {
      const browser = staffBrowser(app);
      await browser.signIn(user.email);
      if (user === staff.facilitator) expect((await browser.get(`/cases/${c.id}`)).$('[data-subject-access]').length).toBe(0);
      for (const path of paths) {
        const page = await browser.get(path);
        expect(page.status, `${user.email} ${path}`).toBe(status);
        expect(page.html).not.toContain('Vera Victim');
        expect(page.headers.get('content-disposition')).toBeNull();
      }
      const api = await app.request('GET', `/api/cases/${c.id}/subject-access/victim`, { token: user.token });
      expect(api.status, user.email).toBe(status);
      expect(JSON.stringify(api.body)).not.toContain('Vera Victim');
    }
    // A signed-out visitor is sent to sign in; no token, no API.
    const visitor = await staffBrowser(app).get(paths[1]!);
    expect(visitor.status).toBe(303);
    expect(visitor.location).toMatch(/^\/sign-in\?returnTo=/);
    expect((await app.request('GET', `/api/cases/${c.id}/subject-access/victim`)).status).toBe(401);
    expect((await app.services.store.history(c.id)).filter((h) => h.type === 'SUBJECT_ACCESS_EXPORTED')).toEqual([]);
  });

  it('answers a party that is not the victim or the offender, and a case that does not exist, with a 404 that says so, never a 500', async () => {
    const { app, staff } = env;
    const c = caseClient(app, await openCase(app, staff));
    const supervisor = staffBrowser(app);
    await supervisor.signIn(staff.supervisor.email);
    for (const party of ['supporter', 'Victim', 'victim.csv', 'both.json', 'constructor', '__proto__.json']) {
      const page = await supervisor.get(`/cases/${c.id}/subject-access/${party}`);
      expect(page.status, party).toBe(404);
      expect(page.$('h1').text().trim(), party).toBe('There is no such subject access export');
      expect(page.headers.get('content-disposition'), party).toBeNull();
      const api = await app.request('GET', `/api/cases/${c.id}/subject-access/${party}`, { token: staff.supervisor.token });
      expect(api.status, party).toBe(404);
      expect(api.body.error, party).toMatch(/victim or offender/);
    }
    for (const path of ['/cases/no-such-case/subject-access', '/cases/no-such-case/subject-access/victim', '/cases/no-such-case/subject-access/victim.json']) {
      const page = await supervisor.get(path);
      expect(page.status, path).toBe(404);
      expect(page.$('h1').text().trim(), path).toBe('Case not found');
    }
    expect((await app.request('GET', '/api/cases/no-such-case/subject-access/victim', { token: staff.supervisor.token })).status).toBe(404);
    expect((await app.services.store.history(c.id)).filter((h) => h.type === 'SUBJECT_ACCESS_EXPORTED')).toEqual([]);
  });
});
