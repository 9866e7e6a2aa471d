import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { rebuildMissingSummaries } from '../../src/cases/caseSummaries.js';
import { summarise, type CaseSummary } from '../../src/cases/caseSummary.js';
import { createLogger } from '../../src/logger.js';
import { caseClient, consentBoth, lowRisk, prepareBoth } from '../api/apiSteps.js';
import { days, openCase, withApp } from '../support/harness.js';

describe('the case summary kept with every event', () => {
  const env = withApp();
  const f = () => env.staff.facilitator.token;

  const directCase = async () => {
    const c = caseClient(env.app, await openCase(env.app, env.staff));
    env.app.clock.advance(days(1));
    await consentBoth(c, f());
    await lowRisk(c, f());
    await prepareBoth(c, f());
    await c.ok(f(), { type: 'CHOOSE_PROCESS', process: 'conference' });
    await c.ok(f(), { type: 'SCHEDULE_CONFERENCE', startsAt: new Date(env.app.clock().getTime() + days(2)).toISOString(), venue: 'Hall' });
    env.app.clock.advance(days(3));
    const dueDate = new Date(env.app.clock().getTime() + days(7)).toISOString().slice(0, 10);
    await c.ok(f(), { type: 'RECORD_OUTCOME', attendees: ['victim', 'offender'], agreement: [{ action: 'Apologise', owner: 'offender', dueDate }] });
    await c.ok(f(), { type: 'COMPLETE_AGREEMENT_ITEM', itemId: 'item-1' });
    return c;
  };
  const summaryOf = async (id: string) => (await env.app.services.store.caseById(id))!.summary as CaseSummary;
  const rows = (sql: string, ...args: unknown[]) => {
    const db = new Database(env.app.dbPath, { readonly: true });
    try {
      return db.prepare(sql).all(...args);
    } finally {
      db.close();
    }
  };

  it('records when the case reached each step of the funnel, and its Victims’ Code clocks', async () => {
    const c = await directCase();
    const s = await summaryOf(c.id);
    const history = await env.app.services.store.history(c.id);
    const at = (type: string) => history.find((e) => e.type === type)?.at ?? null;
    expect(s.contactedAt).toBe(at('INVITE_VICTIM'));
    expect(s.consentedAt).toBe(at('RECORD_OFFENDER_RESPONSE'));
    expect(s.meetingHeldAt).toBe(at('RECORD_OUTCOME'));
    expect(s.agreementMadeAt).toBe(at('RECORD_OUTCOME'));
    expect(s.agreementCompletedAt).toBe(at('COMPLETE_AGREEMENT_ITEM'));
    expect(s.closedAt).toBeNull();
    expect(s.clocks.victimContacted!.metAt).toBe(at('INVITE_VICTIM'));
    expect(s.stage).toBe('followUp');
    // Time in each stage left so far: consent took the day between acceptance and the answers.
    const times = Object.fromEntries((rows('SELECT stage, ms FROM case_stage_times WHERE case_id = ?', c.id) as { stage: string; ms: number }[]).map((r) => [r.stage, r.ms]));
    expect(Object.keys(times).sort()).toEqual(['conference', 'consent', 'preparation', 'referral', 'riskAssessment']);
    expect(times.consent).toBe(days(1));
    expect(times.conference).toBe(days(3));
  });

  it('is the fold over the case’s history: rebuilt from the history alone, it comes out the same', async () => {
    const c = await directCase();
    await c.ok(f(), { type: 'REVISE_RISK', reason: 'New information' });
    await c.ok(f(), { type: 'REQUEST_CLOSURE', reason: 'unsuitable' });
    await c.ok(env.staff.supervisor2.token, { type: 'APPROVE_CLOSURE' });
    const record = (await env.app.services.store.caseById(c.id))!;
    const rebuilt = summarise(record.createdAt, {}, await env.app.services.store.history(c.id));
    expect(record.summary).toEqual(rebuilt.summary);
    expect((record.summary as CaseSummary).closedAt).not.toBeNull();
    expect(record.oversight.clockDueAt).toBeNull();
    const kept = rows('SELECT stage, ms FROM case_stage_times WHERE case_id = ? ORDER BY stage', c.id) as { stage: string; ms: number }[];
    const folded = new Map<string, number>();
    for (const stay of rebuilt.stays) folded.set(stay.stage, (folded.get(stay.stage) ?? 0) + stay.ms);
    expect(kept).toEqual([...folded].map(([stage, ms]) => ({ stage, ms })).sort((a, b) => a.stage.localeCompare(b.stage)));
  });

  it('keeps each facilitator’s open cases by stage, through allocation, reassignment and closure', async () => {
    await directCase();
    const c2 = caseClient(env.app, await openCase(env.app, env.staff));
    await c2.ok(env.staff.supervisor.token, { type: 'REASSIGN', facilitatorIds: [env.staff.facilitator2.id] });
    const c3 = caseClient(env.app, await openCase(env.app, env.staff));
    await c3.ok(f(), { type: 'REQUEST_CLOSURE', reason: 'unsuitable' });
    await c3.ok(env.staff.supervisor2.token, { type: 'APPROVE_CLOSURE' });
    const kept = rows('SELECT user_id, stage, cases FROM facilitator_open_cases WHERE cases <> 0 ORDER BY user_id, stage');
    const counted = rows(
      `SELECT f.user_id, c.stage, count(*) AS cases FROM case_facilitators f JOIN cases c ON c.id = f.case_id
       WHERE c.status = 'active' GROUP BY f.user_id, c.stage ORDER BY f.user_id, c.stage`,
    );
    expect(kept).toEqual(counted);
  });

  it('is built at start-up for cases made before summaries were kept', async () => {
    const c = await directCase();
    const expected = (await env.app.services.store.caseById(c.id))!.summary;
    const db = new Database(env.app.dbPath);
    try {
      db.prepare('UPDATE cases SET summary = NULL, clock_due_at = NULL WHERE id = ?').run(c.id);
      db.prepare('DELETE FROM case_stage_times WHERE case_id = ?').run(c.id);
    } finally {
      db.close();
    }
    const built = await rebuildMissingSummaries({ store: env.app.services.store, logger: createLogger('silent') });
    expect(built).toBe(1);
    expect((await env.app.services.store.caseById(c.id))!.summary).toEqual(expected);
    expect(await rebuildMissingSummaries({ store: env.app.services.store, logger: createLogger('silent') })).toBe(0);
  });
});
