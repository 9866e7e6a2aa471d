import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commissionerReport } from '../../src/reports/commissionerReport.js';
import type { HistoryRecord } from '../../src/store/store.js';
import type { CaseClient } from '../api/apiSteps.js';
import { addStaff, startApp, tempDir, type Staff, type TestApp } from '../support/harness.js';
import {
  addDays,
  caseRow,
  checkpoint,
  databaseText,
  declinedReferral,
  directCase,
  foundIn,
  indirectCase,
  mailText,
  plant,
  runSql,
  victimDeclinedCase,
  victimInvitedThenIneligible,
  withdrawnCase,
  type Planted,
} from './retentionSteps.js';

/**
 * The anonymisation sweep (issue 16, section 2), over the real app, its SQLite file and its captured
 * mail, along one timeline moved by a test clock. Closed cases are kept 30 days (RETENTION_AFTER_CLOSURE)
 * and declined or ineligible referrals 10 (RETENTION_DECLINED). The sweep anonymises exactly the cases
 * past their date and not on hold: their history says so (PERSONAL_DATA_ERASED by the system, basis
 * retention_period_ended, each entry with content marked erased), and no sentinel planted in their
 * personal fields is left in the database file, its log or the mail folder, while every sentinel of
 * the cases it keeps is still found there (so the search is shown to work). The commissioner's report
 * counts the same before and after each sweep, and the chain verifies.
 *
 * The tests run in order, each one step along the timeline.
 */

const t0 = '2026-11-23T09:00:00.000Z';
const minute = 60_000;
const period = { from: '2026-10-01', to: '2026-12-31' };

interface Tracked {
  name: string;
  planted: Planted;
  c: CaseClient;
  /** The case's history before any sweep touched it, and its closure as the API showed it. */
  before?: HistoryRecord[];
  closed?: { stage: string; status: string; closureReason: string | null; state: unknown };
}

describe('the anonymisation sweep', () => {
  const tmp = tempDir();
  let app: TestApp;
  let staff: Staff;
  const cases: Record<string, Tracked> = {};
  /** Cases made to look as a release before retention dates left them: closed, with no date. */
  const old: Record<string, Tracked & { closedAt: string }> = {};

  const sweep = () => app.services.privacy.sweep();
  const s = () => staff.supervisor.token;
  const track = async (name: string, code: string, make: (env: { app: TestApp; staff: Staff }, p: Planted) => Promise<CaseClient>) => {
    const planted = plant(name, code);
    cases[name] = { name, planted, c: await make({ app, staff }, planted) };
    return cases[name];
  };
  const all = () => [...Object.values(cases), ...Object.values(old)];
  /** What the sweep is checked against: the history and the case as they are now. */
  const remember = async (t: Tracked) => {
    t.before = await app.services.store.history(t.c.id);
    const { stage, status, closureReason, state } = await t.c.get(s());
    t.closed = { stage, status, closureReason, state };
  };

  beforeAll(async () => {
    app = await startApp(`${tmp.dir}/rj.sqlite`, undefined, { RETENTION_AFTER_CLOSURE: 'P30D', RETENTION_DECLINED: 'P10D' });
    staff = await addStaff(app.services);
    expect(app.clock().toISOString()).toBe(t0);
    // Closed today, in every way a case closes.
    await track('Dir', '411', directCase);
    await track('Ind', '412', indirectCase);
    await track('Wdr', '413', withdrawnCase);
    await track('Vdc', '414', victimDeclinedCase);
    await track('Dcl', '415', declinedReferral);
    // Still open: closure asked for, not signed off. It is never anonymised.
    await track('Opn', '416', (env, p) => directCase(env, p, { close: false }));
    // Closed before retention dates were kept: the migration gave them closed_at, nothing gave them a date.
    for (const [name, code, daysAgo, make] of [
      ['Ol5', '421', 5, victimDeclinedCase],
      ['O40', '422', 40, victimDeclinedCase],
      ['D15', '423', 15, declinedReferral],
    ] as const) {
      const tracked = await track(name, code, make);
      delete cases[name];
      const closedAt = addDays(t0, -daysAgo);
      runSql(app.dbPath, 'UPDATE cases SET closed_at = ?, retain_until = NULL WHERE id = ?', closedAt, tracked.c.id);
      old[name] = { ...tracked, closedAt };
    }
    // Every notice delivered now, so the mail folder holds each case's mail, written today.
    await app.services.outbox.deliverDue();
    for (const t of all()) await remember(t);
  });
  afterAll(async () => {
    await app?.stop();
    tmp.remove();
  });

  /** The report for the period, as of a fixed moment: so only the sweep can change it. */
  const report = async () => ({
    direct: await commissionerReport(app.services.store, period, t0),
    api: (await app.request('GET', `/api/reports?from=${period.from}&to=${period.to}`, { token: s() })).body,
  });

  /** Runs the sweep between two reports and checks of the chain: the figures must not move. */
  async function sweepKeepingTheFigures() {
    checkpoint(app.dbPath);
    const before = await report();
    // Figures the content of the cases fed: an agreement made and completed, feedback rated, closures by reason.
    const funnel = Object.fromEntries(before.direct.funnel.map((r) => [r.step, r.cases]));
    expect(funnel.agreement_completed).toBeGreaterThan(0);
    expect(before.direct.satisfaction.find((r) => r.party === 'victim')!.answers).toBeGreaterThan(0);
    expect(before.direct.closures.map((r) => r.reason)).toEqual(expect.arrayContaining(['agreement_fulfilled', 'unsuitable', 'victim_withdrew']));
    const result = await sweep();
    expect(await report()).toEqual(before);
    expect(await app.services.store.verifyChain()).toMatchObject({ ok: true });
    const verified = await app.request('GET', '/api/audit/verify', { token: s() });
    expect(verified.body).toMatchObject({ ok: true });
    return result;
  }

  /** The case was anonymised at `at` by the sweep: one PERSONAL_DATA_ERASED entry, every entry that carried content marked erased. */
  async function expectAnonymised(t: Tracked, at: string) {
    const history = await app.services.store.history(t.c.id);
    const erasure = history.filter((h) => h.type === 'PERSONAL_DATA_ERASED');
    expect(erasure, t.name).toHaveLength(1);
    expect(erasure[0]).toMatchObject({ actor: { kind: 'system', role: 'system' }, at, data: { party: 'all', basis: 'retention_period_ended' } });
    expect(history.at(-1)!.type, `${t.name}: the erasure is the case's last entry`).toBe('PERSONAL_DATA_ERASED');
    // The entries that carried a sentinel (every free text and name is one) are exactly those erased, and named in the erasure.
    const carried = history.filter((h) => foundIn(JSON.stringify(t.before!.find((b) => b.seq === h.seq)?.data ?? {}).toLowerCase(), t.planted.all).length > 0);
    expect(carried.length, `${t.name} carried personal content`).toBeGreaterThan(0);
    expect(erasure[0]!.data.erasedSeqs, t.name).toEqual(carried.map((h) => h.seq));
    for (const h of history) {
      if (carried.includes(h)) expect(h.erased, `${t.name} entry ${h.seq} ${h.type}`).toEqual({ at, reason: 'retention_period_ended' });
      else expect(h.erased, `${t.name} entry ${h.seq} ${h.type}`).toBeUndefined();
      // What stays of an entry is what it recorded as codes: nothing new, nothing changed.
      const was = t.before!.find((b) => b.seq === h.seq);
      if (was) {
        expect(h).toMatchObject({ type: was.type, actor: was.actor, at: was.at, from: was.from, to: was.to });
        // An agreement keeps only its items' due dates.
        const codedOf = (k: string, v: unknown) => (k === 'agreement' && Array.isArray(v) ? v.map((i: { dueDate: string }) => ({ dueDate: i.dueDate })) : v);
        for (const [k, v] of Object.entries(h.data)) expect(v, `${t.name} entry ${h.seq} ${k}`).toEqual(codedOf(k, was.data[k]));
      }
    }
    expect(caseRow(app.dbPath, t.c.id).anonymised_at, t.name).toBe(at);
    // The coded record stays: the case still reads as closed, for the same reason, in the same state.
    const view = await t.c.get(s());
    expect(view).toMatchObject({ ...t.closed, status: 'closed', stage: 'closed' });
    expect(JSON.stringify(view)).not.toMatch(/sntl/i);
  }

  async function expectKept(t: Tracked) {
    const history = await app.services.store.history(t.c.id);
    expect(history.filter((h) => h.type === 'PERSONAL_DATA_ERASED' || h.erased), t.name).toEqual([]);
    expect(caseRow(app.dbPath, t.c.id).anonymised_at, t.name).toBeNull();
  }

  /** No sentinel of the anonymised cases anywhere in the database file, its log, or the mail folder; every one of the kept cases in the database. */
  function expectPersonalContent({ gone, kept, mailKept = [] }: { gone: Tracked[]; kept: Tracked[]; mailKept?: Tracked[] }) {
    const { db, wal } = databaseText(app.dbPath);
    const mail = mailText(app.services.config.mailDir);
    for (const t of gone) {
      expect(foundIn(db, t.planted.all), `${t.name}'s sentinels left in the database file`).toEqual([]);
      expect(foundIn(wal, t.planted.all), `${t.name}'s sentinels left in the -wal file`).toEqual([]);
      expect(foundIn(mail, t.planted.all), `${t.name}'s sentinels left in the captured mail`).toEqual([]);
    }
    // Everything a kept case was given is still there to be found, in the file itself (the log was written back): the search finds what is there.
    for (const t of kept) expect(foundIn(db, t.planted.all), `${t.name}'s sentinels in the database file`).toEqual(t.planted.all);
    for (const t of mailKept) expect(foundIn(mail, t.planted.all).length, `${t.name}'s mail is still captured`).toBeGreaterThan(0);
  }

  it('dates each case as it closes: 30 days after closure, 10 for a referral declined at screening; an open case has no date', async () => {
    for (const name of ['Dir', 'Ind', 'Wdr', 'Vdc']) expect(caseRow(app.dbPath, cases[name]!.c.id), name).toEqual({ closed_at: t0, retain_until: addDays(t0, 30), anonymised_at: null });
    expect(caseRow(app.dbPath, cases.Dcl!.c.id)).toEqual({ closed_at: t0, retain_until: addDays(t0, 10), anonymised_at: null });
    expect(caseRow(app.dbPath, cases.Opn!.c.id)).toEqual({ closed_at: null, retain_until: null, anonymised_at: null });
    for (const t of Object.values(old)) expect(caseRow(app.dbPath, t.c.id).retain_until).toBeNull();
    // Before any sweep, every sentinel of every case is in the database file: each field is stored, and the search finds it.
    checkpoint(app.dbPath);
    expectPersonalContent({ gone: [], kept: all(), mailKept: [cases.Dir!, cases.Ind!, cases.Wdr!, cases.Vdc!, cases.Opn!] });
  });

  it('gives an old closed case without a date its date at the next sweep, and anonymises at once one already past it', async () => {
    const result = await sweepKeepingTheFigures();
    expect(result.dated).toBe(3);
    // Closed 5 days ago: 25 days to go. Closed 40 days ago: 10 days past. A referral declined 15 days ago: 5 days past (the declined period).
    expect(caseRow(app.dbPath, old.Ol5!.c.id)).toMatchObject({ retain_until: addDays(old.Ol5!.closedAt, 30), anonymised_at: null });
    expect(caseRow(app.dbPath, old.O40!.c.id).retain_until).toBe(addDays(old.O40!.closedAt, 30));
    expect(caseRow(app.dbPath, old.D15!.c.id).retain_until).toBe(addDays(old.D15!.closedAt, 10));
    expect(result.anonymised.sort()).toEqual([old.O40!.c.id, old.D15!.c.id].sort());
    await expectAnonymised(old.O40!, t0);
    await expectAnonymised(old.D15!, t0);
    for (const t of [old.Ol5!, ...Object.values(cases)]) await expectKept(t);
    expectPersonalContent({ gone: [old.O40!, old.D15!], kept: [old.Ol5!, ...Object.values(cases)], mailKept: [cases.Dir!] });
    // Nothing more to do: a second sweep dates and anonymises nothing.
    expect(await sweep()).toEqual({ dated: 0, anonymised: [] });
  });

  it('keeps a case until its date has passed, then anonymises it alone: the declined referral, ten days on, and its captured mail goes', async () => {
    app.clock.set(addDays(t0, 10));
    expect(await sweep()).toEqual({ dated: 0, anonymised: [] });
    app.clock.advance(minute);
    const at = app.clock().toISOString();
    expect(await sweepKeepingTheFigures()).toEqual({ dated: 0, anonymised: [cases.Dcl!.c.id] });
    await expectAnonymised(cases.Dcl!, at);
    for (const name of ['Dir', 'Ind', 'Wdr', 'Vdc', 'Opn']) await expectKept(cases[name]!);
    expectPersonalContent({ gone: [cases.Dcl!], kept: [old.Ol5!, ...['Dir', 'Ind', 'Wdr', 'Vdc', 'Opn'].map((n) => cases[n]!)], mailKept: [cases.Dir!, cases.Ind!] });
  });

  it('deletes the captured mail of a case it anonymises, and keeps the mail of the cases it does not', async () => {
    // A case closed as an ineligible referral after its victim was emailed: the declined period, and mail ten days old when it is due.
    const c = await track('Inl', '417', victimInvitedThenIneligible);
    await app.services.outbox.deliverDue();
    await remember(c);
    expect(caseRow(app.dbPath, c.c.id).retain_until).toBe(addDays(app.clock().toISOString(), 10));
    expect(foundIn(mailText(app.services.config.mailDir), c.planted.all).length, 'the invitation is captured').toBeGreaterThan(0);

    app.clock.advance(10 * 24 * 60 * minute + minute);
    const at = app.clock().toISOString();
    expect(await sweepKeepingTheFigures()).toEqual({ dated: 0, anonymised: [c.c.id] });
    await expectAnonymised(c, at);
    // The other cases' mail was written 20 days ago: kept.
    expectPersonalContent({ gone: [c], kept: [cases.Dir!, cases.Opn!], mailKept: [cases.Dir!, cases.Opn!] });
  });

  it('keeps a case on legal hold past its date, and anonymises the others due', async () => {
    // A case closed 20 days after the others: due 20 days after them.
    await remember(await track('Lat', '418', directCase));
    await app.services.outbox.deliverDue();

    // A day past the others' date, and before the sweep has run: the withdrawn case is put on hold.
    app.clock.set(addDays(t0, 31));
    const holdReason = cases.Wdr!.planted.text('HoldReason');
    const placed = await app.request('PUT', `/api/cases/${cases.Wdr!.c.id}/legal-hold`, { token: s(), body: { reason: holdReason } });
    expect(placed.status, JSON.stringify(placed.body)).toBe(200);
    await remember(cases.Wdr!);

    const at = app.clock().toISOString();
    const result = await sweepKeepingTheFigures();
    expect(result.anonymised.sort()).toEqual([old.Ol5!, cases.Dir!, cases.Ind!, cases.Vdc!].map((t) => t.c.id).sort());
    for (const t of [old.Ol5!, cases.Dir!, cases.Ind!, cases.Vdc!]) await expectAnonymised(t, at);
    for (const t of [cases.Wdr!, cases.Opn!, cases.Lat!]) await expectKept(t);
    expect((await app.services.store.retention(cases.Wdr!.c.id))?.hold).toMatchObject({ reason: holdReason, placedBy: staff.supervisor.id, placedAt: at });
    // What supervisors are shown as due: the held case (past its date) and the later one (within 30 days); not those anonymised, nor the open one.
    const listed = await app.request('GET', '/api/retention', { token: s() });
    expect(listed.body.cases.map((r: { caseId: string }) => r.caseId)).toEqual([cases.Wdr!.c.id, cases.Lat!.c.id]);
    expect(listed.body.cases[0].hold).toMatchObject({ reason: holdReason });
    expectPersonalContent({
      gone: [old.Ol5!, old.O40!, old.D15!, cases.Dcl!, cases.Inl!, cases.Dir!, cases.Ind!, cases.Vdc!],
      kept: [cases.Wdr!, cases.Opn!, cases.Lat!],
      mailKept: [cases.Lat!],
    });
    // Held, it stays held however often the sweep runs.
    app.clock.advance(24 * 60 * minute);
    expect(await sweep()).toEqual({ dated: 0, anonymised: [] });
    await expectKept(cases.Wdr!);
  });

  it('anonymises a case at the next sweep once its hold is lifted, the hold’s reasons with it', async () => {
    const lifted = await app.request('DELETE', `/api/cases/${cases.Wdr!.c.id}/legal-hold`, { token: s(), body: { reason: cases.Wdr!.planted.text('LiftReason') } });
    expect(lifted.status, JSON.stringify(lifted.body)).toBe(200);
    await remember(cases.Wdr!);
    expect(cases.Wdr!.before!.slice(-2).map((h) => h.type)).toEqual(['LEGAL_HOLD_PLACED', 'LEGAL_HOLD_LIFTED']);
    const at = app.clock().toISOString();
    expect(await sweepKeepingTheFigures()).toEqual({ dated: 0, anonymised: [cases.Wdr!.c.id] });
    await expectAnonymised(cases.Wdr!, at);
    expect(await app.services.store.retention(cases.Wdr!.c.id)).toMatchObject({ hold: null });
    expectPersonalContent({ gone: [cases.Wdr!], kept: [cases.Opn!, cases.Lat!], mailKept: [cases.Lat!] });
  });

  it('anonymises the later case at its own date, and never the case that is still open', async () => {
    const due = caseRow(app.dbPath, cases.Lat!.c.id).retain_until!;
    expect(due).toBe(addDays(caseRow(app.dbPath, cases.Lat!.c.id).closed_at!, 30));
    app.clock.set(due);
    expect(await sweep()).toEqual({ dated: 0, anonymised: [] });
    app.clock.advance(minute);
    expect(await sweepKeepingTheFigures()).toEqual({ dated: 0, anonymised: [cases.Lat!.c.id] });
    await expectAnonymised(cases.Lat!, app.clock().toISOString());
    app.clock.set(addDays(t0, 3 * 365));
    expect(await sweep()).toEqual({ dated: 0, anonymised: [] });
    await expectKept(cases.Opn!);
    expectPersonalContent({ gone: all().filter((t) => t !== cases.Opn), kept: [cases.Opn!] });
  });
});
