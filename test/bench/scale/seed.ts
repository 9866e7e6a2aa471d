import { randomBytes, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { currentMachineVersion } from '../../../machines/case/index.js';
import { splitContent } from '../../../machines/case/personalContent.js';
import { hashToken } from '../../../src/auth/users.js';
import { clockDueAt, summarise } from '../../../src/cases/caseSummary.js';
import { openDatabase } from '../../../src/store/database.js';
import { chainHash, contentCommitment, genesisHash } from '../../../src/store/historyChain.js';
import { sampleReferral } from '../../support/harness.js';
import { accepted, addBenchUser, benchServices, callerFor, type BenchUser } from '../fixtures.js';
import type { Sizes } from '../options.js';
import { captureCaseTemplate, templateEvents, type CaseTemplate, type TemplateEvent } from './caseTemplate.js';

/** Two notes after each transition give a template of 36 events, long enough for an average of 20 per case. */
const notesPerStep = 2;
const minEvents = 4;
/** Cases whose events are interleaved in the chain, as concurrent casework would interleave them. */
const windowSize = 1000;
const firstCaseAt = Date.parse('2023-01-02T09:00:00Z');
const caseSpacingMs = 10 * 60_000;
const eventSpacingMs = 60 * 60_000;
/** Every this many cases, counting from the third, walks the variant template instead of the usual one. */
const variantEvery = 5;
const isVariant = (i: number) => i % variantEvery === 2;

export interface SeededDb {
  caseIds: string[];
  events: number;
  notices: number;
  /** Tasks for emails that could not be delivered, open or resolved. */
  tasks: number;
  supervisorToken: string;
  bigCaseload: { token: string; cases: number };
}

/** Per-case history lengths between min and max that add up to exactly `events`. */
function historyLengths(cases: number, events: number, min: number, max: number): number[] {
  const mean = Math.floor(events / cases);
  const spread = Math.min(mean - min, max - mean);
  if (spread < 0) throw new Error(`${events} events do not fit ${cases} cases of ${min} to ${max} events`);
  const lengths = Array.from({ length: cases }, (_, i) => mean - spread + (i % (2 * spread + 1)));
  let missing = events - lengths.reduce((a, b) => a + b, 0);
  for (let i = 0; missing !== 0; i = (i + 1) % cases) {
    const step = Math.sign(missing);
    if (lengths[i]! + step >= min && lengths[i]! + step <= max) {
      lengths[i]! += step;
      missing -= step;
    }
  }
  return lengths;
}

/**
 * A template row as the store chains it (rule 2): its coded data in the row, and its personal content (names,
 * contact details, free text), if any, apart in history_content under a salted commitment.
 */
type SeedEvent = TemplateEvent & { coded: string; content: string | null };

/** The template's rows with its facilitator swapped for another, and split as the store splits them, computed once per facilitator. */
function templateFor(template: { facilitatorId: string; events: TemplateEvent[] }) {
  const cache = new Map<string, SeedEvent[]>();
  return (facilitatorId: string) => {
    let events = cache.get(facilitatorId);
    if (!events) {
      const swap = (s: string) => s.replaceAll(template.facilitatorId, facilitatorId);
      events = template.events.map((e) => {
        const data = swap(e.data);
        const { coded, content } = splitContent(e.type, JSON.parse(data) as Record<string, unknown>);
        return {
          ...e,
          actor: swap(e.actor),
          data,
          coded: JSON.stringify(coded),
          content: content && JSON.stringify(content),
          notices: e.notices.map((n) => ({ ...n, data: swap(n.data) })),
          after: { ...e.after, snapshot: swap(e.after.snapshot) },
        };
      });
      cache.set(facilitatorId, events);
    }
    return events;
  };
}

/** Fresh 32-byte salts as hex, drawn from a pool refilled in large blocks: one random draw per row would slow the seed. */
function saltSource() {
  const saltBytes = 32;
  const poolSalts = 8192;
  let pool = randomBytes(saltBytes * poolSalts);
  let next = 0;
  return () => {
    if (next === poolSalts) {
      pool = randomBytes(saltBytes * poolSalts);
      next = 0;
    }
    const at = saltBytes * next++;
    return pool.toString('hex', at, at + saltBytes);
  };
}

interface VariantTemplate {
  facilitatorId: string;
  referral: string;
  agency: string;
  events: TemplateEvent[];
  /** Each task the walk opened (its id is its failed notice's), by the index of the event that opened it and of the one that resolved it. */
  tasks: { id: string; openedAt: number; resolvedAt: number | null; resolution: string | null }[];
}

/**
 * A second case walked through the engine, so the supervisors' lists have cases in them as seeded cases stop
 * at each of its events: a referral waiting to be screened, a victim not yet contacted (the Victims' Code
 * clocks run on), a high risk waiting for approval, a pause past its end date, emails that could not be
 * delivered (the victim has no email address: a task each, until dealt with), an agreement item gone
 * overdue, and a closure waiting for sign-off. Its clock starts with the first seeded case and moves an hour
 * an event, so its dates (the pause's end, the item's due date) are long past when a bench reads them.
 */
async function captureVariantTemplate(scratchPath: string, supervisorId: string, facilitatorId: string): Promise<VariantTemplate> {
  let now = firstCaseAt;
  const services = await benchServices(scratchPath, () => new Date(now));
  const agency = 'Northshire Youth Justice Service';
  const referral = sampleReferral({
    referrer: { agency, name: 'Sam Case Manager', email: 'sam.manager@yjs.example' },
    offence: { type: 'criminal damage', date: '2022-12-12', description: 'Damage to a garden fence', crimeReference: 'NP/2022/0871' },
    victim: { name: 'Vic Phoneonly', phone: '01234 567891' },
  });
  let walked: { caseId: string; afters: TemplateEvent['after'][]; history: Awaited<ReturnType<typeof services.store.history>>; notices: Awaited<ReturnType<typeof services.store.notices>> };
  try {
    const supervisor = await addBenchUser(services, 'supervisor', supervisorId);
    const facilitator = await addBenchUser(services, 'facilitator', facilitatorId);
    const caseId = accepted('variant create', await services.engine.createCase(referral, callerFor(supervisor))).id;
    const afters: TemplateEvent['after'][] = [];
    const snap = async () => {
      const c = (await services.store.caseById(caseId))!;
      afters.push({ snapshot: JSON.stringify(c.snapshot), stage: c.stage, status: c.status, paused: c.paused, clocks: c.clocks, oversight: c.oversight });
    };
    await snap();
    const day = (offset: number) => new Date(now + offset * 86_400_000).toISOString();
    const send = async (who: BenchUser, body: { type: string } & Record<string, unknown>) => {
      now += eventSpacingMs;
      accepted(`variant ${body.type}`, await services.engine.submit({ caseId, body, caller: callerFor(who) }));
      await snap();
    };
    const note = (who: BenchUser, n: number) => send(who, { type: 'ADD_NOTE', text: `Checked in on the case (variant note ${n}).` });
    for (let n = 1; n <= 3; n++) await note(supervisor, n);
    await send(supervisor, { type: 'ACCEPT_REFERRAL', facilitatorIds: [facilitatorId] });
    await note(facilitator, 4);
    await send(facilitator, { type: 'INVITE_VICTIM' });
    await send(facilitator, { type: 'VICTIM_RESPONDED', response: 'yes', preferredProcess: 'conference', informationGiven: { version: '2026-1', how: 'phone' } });
    await send(facilitator, { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' });
    await send(facilitator, { type: 'SUBMIT_RISK_ASSESSMENT', level: 'high', factors: { safety: 'threats made after the offence' }, directContactAllowed: false });
    for (let n = 5; n <= 6; n++) await note(facilitator, n);
    await send(facilitator, { type: 'REVISE_RISK', reason: 'The threats were withdrawn and the police have no further concerns.' });
    await send(facilitator, { type: 'SUBMIT_RISK_ASSESSMENT', level: 'low', factors: { safety: 'no current concerns' }, directContactAllowed: true });
    await send(facilitator, { type: 'PAUSE', reason: 'The victim is in hospital.', until: day(14).slice(0, 10) });
    for (let n = 7; n <= 8; n++) await note(facilitator, n);
    await send(facilitator, { type: 'RESUME' });
    const [invitationTask] = (await services.store.caseById(caseId))!.openTaskIds;
    await send(facilitator, { type: 'RESOLVE_TASK', taskId: invitationTask, note: 'Phoned the victim instead; they will take part.' });
    await send(facilitator, { type: 'RECORD_PREPARATION', party: 'victim', note: 'Met at home' });
    await send(facilitator, { type: 'RECORD_PREPARATION', party: 'offender', note: 'Met at the youth justice office' });
    await send(facilitator, { type: 'CHOOSE_PROCESS', process: 'conference' });
    await send(facilitator, { type: 'SCHEDULE_CONFERENCE', startsAt: day(7), venue: 'Community centre' });
    now += 7 * 86_400_000;
    await send(facilitator, {
      type: 'RECORD_OUTCOME',
      attendees: ['victim', 'offender'],
      agreement: [{ action: 'Repair the fence', owner: 'offender', dueDate: day(10).slice(0, 10) }],
    });
    // The item's due date passes: its timer fires, as the scheduler would fire it.
    now += 12 * 86_400_000;
    const due = (await services.store.pendingTimers(caseId)).find((t) => t.event.type === 'AGREEMENT_ITEM_DUE');
    if (!due) throw new Error('the variant case has no agreement item timer');
    accepted('variant AGREEMENT_ITEM_DUE', await services.engine.fireTimer(due));
    await snap();
    for (let n = 9; n <= 16; n++) await note(facilitator, n);
    await send(facilitator, { type: 'MISS_AGREEMENT_ITEM', itemId: 'item-1', note: 'The fence was replaced by the owner.' });
    await send(facilitator, { type: 'REQUEST_CLOSURE', reason: 'agreement_not_fulfilled' });
    await send(supervisor, { type: 'APPROVE_CLOSURE' });
    walked = { caseId, afters, history: await services.store.history(caseId), notices: await services.store.notices(caseId) };
  } finally {
    services.store.close();
  }

  // The tasks, as the walk left them, read from its database (the store lists only open ones).
  const scratch = openDatabase(scratchPath, { migrate: false });
  const taskRows = scratch
    .prepare('SELECT id, created_at, resolved_seq, resolution FROM tasks WHERE case_id = ? ORDER BY created_at, id')
    .all(walked.caseId) as { id: string; created_at: string; resolved_seq: number | null; resolution: string | null }[];
  scratch.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(scratchPath + suffix, { force: true });

  const { history, notices, afters } = walked;
  const stepOf = (seq: number) => history.findIndex((h) => h.seq === seq);
  const noticeSeq = new Map(notices.map((n) => [n.id, n.seq]));
  return {
    facilitatorId,
    referral: JSON.stringify(referral),
    agency,
    events: templateEvents(history, notices, afters),
    tasks: taskRows.map((t) => ({
      id: t.id,
      openedAt: stepOf(noticeSeq.get(t.id)!),
      resolvedAt: t.resolved_seq === null ? null : stepOf(t.resolved_seq),
      resolution: t.resolution,
    })),
  };
}

/**
 * Fills a fresh database with `cases` cases and exactly `events` history rows
 * by direct SQL in large transactions. Every row is a copy of a real engine
 * row, chained as the store chains it (rule 2): its coded data in the row, its
 * personal content apart in history_content with a fresh salt and the row's
 * commitment to it, each hash computed with the product's chainHash, so the
 * result verifies and verifying it costs what verifying real casework costs.
 * One facilitator holds `bigCaseload` cases; the rest share the others.
 * One case in `variantEvery` copies the variant walk instead of the usual one, so
 * the dashboard's lists and the reports have some of everything to count.
 */
export async function seedScaleDb(path: string, sizes: Sizes['scale']): Promise<SeededDb> {
  if (sizes.facilitators < 2) throw new Error('seeding needs the big-caseload facilitator and at least one other');
  const supervisorId = randomUUID();
  const facilitatorIds = Array.from({ length: sizes.facilitators }, () => randomUUID());
  const bigId = facilitatorIds[0]!;
  const template = await captureCaseTemplate(supervisorId, bigId, notesPerStep);
  const variant = await captureVariantTemplate(`${path}.variant-walk`, supervisorId, bigId);
  if (variant.events.length < template.events.length) throw new Error(`the variant template has ${variant.events.length} events, fewer than the ${template.events.length} a case may have`);
  const usualRowsFor = templateFor(template);
  const variantRowsFor = templateFor(variant);
  const rowsFor = (i: number, facilitatorId: string): SeedEvent[] => (isVariant(i) ? variantRowsFor : usualRowsFor)(facilitatorId);
  const tasksOpenedAt = (k: number) => variant.tasks.filter((t) => t.openedAt === k);
  const tasksResolvedAt = (k: number) => variant.tasks.filter((t) => t.resolvedAt === k);
  const lengths = historyLengths(sizes.cases, sizes.events, minEvents, template.events.length);
  const bigEvery = Math.round(sizes.cases / sizes.bigCaseload);
  const facilitatorOf = (i: number) => (i % bigEvery === 0 ? bigId : facilitatorIds[1 + (i % (facilitatorIds.length - 1))]!);

  const db = openDatabase(path);
  // Seeding only: the figures are taken later through the product's own connection, with synchronous=FULL.
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const q = {
    user: db.prepare('INSERT INTO users (id, email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, \'unused\', ?)'),
    token: db.prepare("INSERT INTO api_tokens (id, user_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, '2099-01-01T00:00:00.000Z')"),
    case: db.prepare(
      // The template's cases ran on the current machine, so the seeded ones say so, and start-up has nothing to move.
      `INSERT INTO cases (id, reference, machine_version, version, stage, status, paused, clocks, snapshot, referral, created_at, updated_at,
         agency, waiting_for, paused_until, items_overdue, process, closure_reason, clock_due_at, summary)
       VALUES (?, ?, ${currentMachineVersion}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    facilitator: db.prepare('INSERT INTO case_facilitators (case_id, user_id, case_created_at) SELECT id, ?, created_at FROM cases WHERE id = ?'),
    history: db.prepare(
      'INSERT INTO history (seq, case_id, type, actor, at, from_state, to_state, data, content_hash, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    content: db.prepare('INSERT INTO history_content (seq, salt, content) VALUES (?, ?, ?)'),
    stageTime: db.prepare('INSERT INTO case_stage_times (case_id, stage, ms, case_created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET ms = ms + excluded.ms'),
    notice: db.prepare(
      `INSERT INTO notices (id, case_id, seq, template, recipient, data, status, attempts, last_error, sent_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // A failed notice's task (its id is the notice's), and its resolution by a later event of the case.
    task: db.prepare("INSERT INTO tasks (id, case_id, kind, notice_id, created_at) VALUES (?, ?, 'notice_undeliverable', ?, ?)"),
    resolveTask: db.prepare('UPDATE tasks SET resolved_at = ?, resolved_seq = ?, resolution = ? WHERE id = ?'),
  };

  const seededAt = new Date(firstCaseAt).toISOString();
  const withToken = (id: string) => {
    const token = `rj_${randomBytes(32).toString('base64url')}`;
    q.token.run(randomUUID(), id, hashToken(token), seededAt);
    return token;
  };
  q.user.run(supervisorId, 'supervisor@bench.rj.local', 'Bench supervisor', 'supervisor', seededAt);
  facilitatorIds.forEach((id, n) => q.user.run(id, `facilitator${n}@bench.rj.local`, `Bench facilitator ${n}`, 'facilitator', seededAt));
  const supervisorToken = withToken(supervisorId);
  const bigToken = withToken(bigId);

  const caseIds = Array.from({ length: sizes.cases }, () => randomUUID());
  const at = (i: number, k: number) => new Date(firstCaseAt + i * caseSpacingMs + k * eventSpacingMs).toISOString();
  // A fresh database chains every row under rule 2.
  if (db.prepare('SELECT from_seq FROM chain_rules WHERE rule = 2').pluck().get() !== 1) throw new Error('the seed expects a fresh database, chained under rule 2 from its first row');
  const salt = saltSource();
  let seq = 0;
  let prev = genesisHash;
  let notices = 0;
  let tasks = 0;
  const usualAgency = (JSON.parse(template.referral) as { referrer: { agency: string } }).referrer.agency;

  const seedWindow = db.transaction((from: number, to: number) => {
    // A variant case's notices by the template's notice ids, for the tasks they open and the notices that name them.
    const noticeIds = new Map<string, string>();
    for (let i = from; i < to; i++) {
      const length = lengths[i]!;
      const fid = facilitatorOf(i);
      const last = rowsFor(i, fid)[length - 1]!.after;
      const year = new Date(firstCaseAt + i * caseSpacingMs).getUTCFullYear();
      // Each case's summary, as the engine would have kept it: the fold over its own (time-shifted) history.
      const rows = rowsFor(i, fid).slice(0, length);
      const { summary, stays } = summarise(at(i, 0), {}, rows.map((e, k) => ({ type: e.type, at: at(i, k), to: e.to, data: JSON.parse(e.data), actor: JSON.parse(e.actor) })));
      const o = last.oversight;
      q.case.run(caseIds[i], `RJ-${year}-${String(i + 1).padStart(6, '0')}`, length, last.stage, last.status, last.paused ? 1 : 0,
        last.clocks, last.snapshot, isVariant(i) ? variant.referral : template.referral, at(i, 0), at(i, length - 1),
        isVariant(i) ? variant.agency : usualAgency, o.waitingFor, o.pausedUntil, o.itemsOverdue, o.process, o.closureReason, clockDueAt(summary), JSON.stringify(summary));
      for (const stay of stays) q.stageTime.run(caseIds[i], stay.stage, stay.ms, at(i, 0));
      // A referral not yet accepted has no facilitator.
      if ((JSON.parse(last.snapshot) as { context: { facilitatorIds: string[] } }).context.facilitatorIds.length) q.facilitator.run(fid, caseIds[i]);
    }
    for (let k = 0; k < template.events.length; k++) {
      for (let i = from; i < to; i++) {
        if (k >= lengths[i]!) continue;
        const e = rowsFor(i, facilitatorOf(i))[k]!;
        const caseId = caseIds[i]!;
        const when = at(i, k);
        seq++;
        const sealed = e.content === null ? null : { salt: salt(), content: e.content };
        const commitment = sealed && contentCommitment(sealed.salt, sealed.content);
        const hash = chainHash(prev, [seq, caseId, e.type, e.actor, when, e.from, e.to, e.coded, commitment]);
        q.history.run(seq, caseId, e.type, e.actor, when, e.from, e.to, e.coded, commitment, prev, hash);
        if (sealed) q.content.run(seq, sealed.salt, sealed.content);
        prev = hash;
        for (const n of e.notices) {
          // Old cases' mail has long gone out.
          const sent = n.status === 'queued';
          const id = randomUUID();
          let data = n.data;
          if (isVariant(i)) {
            noticeIds.set(`${i}:${n.id}`, id);
            if (n.refersTo) data = data.replaceAll(n.refersTo, noticeIds.get(`${i}:${n.refersTo}`)!);
          }
          q.notice.run(id, caseId, seq, n.template, n.recipient, data, sent ? 'sent' : n.status, sent ? 1 : 0, n.lastError, sent ? when : null, when);
          notices++;
        }
        if (isVariant(i)) {
          for (const t of tasksOpenedAt(k)) {
            const id = noticeIds.get(`${i}:${t.id}`)!;
            q.task.run(id, caseId, id, when);
            tasks++;
          }
          for (const t of tasksResolvedAt(k)) q.resolveTask.run(when, seq, t.resolution, noticeIds.get(`${i}:${t.id}`)!);
        }
      }
    }
  });
  for (let from = 0; from < sizes.cases; from += windowSize) seedWindow(from, Math.min(from + windowSize, sizes.cases));
  db.exec(`INSERT INTO facilitator_open_cases (user_id, stage, cases)
    SELECT f.user_id, c.stage, count(*) FROM case_facilitators f JOIN cases c ON c.id = f.case_id WHERE c.status = 'active' GROUP BY f.user_id, c.stage`);
  // A synced checkpoint flushes the whole seed to disk now, so its write-back does not slow what is timed next.
  db.pragma('synchronous = FULL');
  db.pragma('wal_checkpoint(TRUNCATE)');
  const bigCases = db.prepare('SELECT count(*) FROM case_facilitators WHERE user_id = ?').pluck().get(bigId) as number;
  db.close();

  return {
    caseIds,
    events: seq,
    notices,
    tasks,
    supervisorToken,
    bigCaseload: { token: bigToken, cases: bigCases },
  };
}
