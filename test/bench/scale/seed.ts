import { randomBytes, randomUUID } from 'node:crypto';
import { currentMachineVersion } from '../../../machines/case/index.js';
import { hashToken } from '../../../src/auth/users.js';
import { clockDueAt, summarise } from '../../../src/cases/caseSummary.js';
import { openDatabase } from '../../../src/store/database.js';
import { chainHash, genesisHash } from '../../../src/store/historyChain.js';
import type { Sizes } from '../options.js';
import { captureCaseTemplate, type CaseTemplate, type TemplateEvent } from './caseTemplate.js';

/** Two notes after each transition give a template of 36 events, long enough for an average of 20 per case. */
const notesPerStep = 2;
const minEvents = 4;
/** Cases whose events are interleaved in the chain, as concurrent casework would interleave them. */
const windowSize = 1000;
const firstCaseAt = Date.parse('2023-01-02T09:00:00Z');
const caseSpacingMs = 10 * 60_000;
const eventSpacingMs = 60 * 60_000;

export interface SeededDb {
  caseIds: string[];
  events: number;
  notices: number;
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

/** The template's rows with its facilitator swapped for another, computed once per facilitator. */
function templateFor(template: CaseTemplate) {
  const cache = new Map<string, TemplateEvent[]>();
  return (facilitatorId: string) => {
    let events = cache.get(facilitatorId);
    if (!events) {
      const swap = (s: string) => s.replaceAll(template.facilitatorId, facilitatorId);
      events = template.events.map((e) => ({
        ...e,
        actor: swap(e.actor),
        data: swap(e.data),
        notices: e.notices.map((n) => ({ ...n, data: swap(n.data) })),
        after: { ...e.after, snapshot: swap(e.after.snapshot) },
      }));
      cache.set(facilitatorId, events);
    }
    return events;
  };
}

/**
 * Fills a fresh database with `cases` cases and exactly `events` history rows
 * by direct SQL in large transactions. Every row is a copy of a real engine
 * row and the chain is computed with the product's chainHash, so the result
 * verifies. One facilitator holds `bigCaseload` cases; the rest share the others.
 */
export async function seedScaleDb(path: string, sizes: Sizes['scale']): Promise<SeededDb> {
  if (sizes.facilitators < 2) throw new Error('seeding needs the big-caseload facilitator and at least one other');
  const supervisorId = randomUUID();
  const facilitatorIds = Array.from({ length: sizes.facilitators }, () => randomUUID());
  const bigId = facilitatorIds[0]!;
  const template = await captureCaseTemplate(supervisorId, bigId, notesPerStep);
  const rowsFor = templateFor(template);
  const lengths = historyLengths(sizes.cases, sizes.events, minEvents, template.events.length);
  const bigEvery = Math.round(sizes.cases / sizes.bigCaseload);
  const facilitatorOf = (i: number) => (i % bigEvery === 0 ? bigId : facilitatorIds[1 + (i % (facilitatorIds.length - 1))]!);

  const db = openDatabase(path);
  // Seeding only: the figures are taken later through the product's own connection, with synchronous=FULL.
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const q = {
    user: db.prepare('INSERT INTO users (id, email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, \'unused\', ?)'),
    token: db.prepare('INSERT INTO api_tokens (id, user_id, token_hash, created_at) VALUES (?, ?, ?, ?)'),
    case: db.prepare(
      // The template's cases ran on the current machine, so the seeded ones say so, and start-up has nothing to move.
      `INSERT INTO cases (id, reference, machine_version, version, stage, status, paused, clocks, snapshot, referral, created_at, updated_at,
         agency, waiting_for, paused_until, items_overdue, process, closure_reason, clock_due_at, summary)
       VALUES (?, ?, ${currentMachineVersion}, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'Northshire Police', ?, ?, ?, ?, ?, ?, ?)`,
    ),
    facilitator: db.prepare('INSERT INTO case_facilitators (case_id, user_id, case_created_at) SELECT id, ?, created_at FROM cases WHERE id = ?'),
    history: db.prepare(
      'INSERT INTO history (seq, case_id, type, actor, at, from_state, to_state, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    stageTime: db.prepare('INSERT INTO case_stage_times (case_id, stage, ms) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET ms = ms + excluded.ms'),
    notice: db.prepare(
      `INSERT INTO notices (id, case_id, seq, template, recipient, data, status, attempts, last_error, sent_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
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
  let seq = 0;
  let prev = genesisHash;
  let notices = 0;

  const seedWindow = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const length = lengths[i]!;
      const fid = facilitatorOf(i);
      const last = rowsFor(fid)[length - 1]!.after;
      const year = new Date(firstCaseAt + i * caseSpacingMs).getUTCFullYear();
      // Each case's summary, as the engine would have kept it: the fold over its own (time-shifted) history.
      const rows = rowsFor(fid).slice(0, length);
      const { summary, stays } = summarise(at(i, 0), {}, rows.map((e, k) => ({ type: e.type, at: at(i, k), to: e.to, data: JSON.parse(e.data), actor: JSON.parse(e.actor) })));
      const o = last.oversight;
      q.case.run(caseIds[i], `RJ-${year}-${String(i + 1).padStart(6, '0')}`, length, last.stage, last.status, last.paused ? 1 : 0,
        last.clocks, last.snapshot, template.referral, at(i, 0), at(i, length - 1),
        o.waitingFor, o.pausedUntil, o.itemsOverdue, o.process, o.closureReason, clockDueAt(summary), JSON.stringify(summary));
      for (const stay of stays) q.stageTime.run(caseIds[i], stay.stage, stay.ms);
      q.facilitator.run(fid, caseIds[i]);
    }
    for (let k = 0; k < template.events.length; k++) {
      for (let i = from; i < to; i++) {
        if (k >= lengths[i]!) continue;
        const e = rowsFor(facilitatorOf(i))[k]!;
        const caseId = caseIds[i]!;
        const when = at(i, k);
        seq++;
        const hash = chainHash(prev, [seq, caseId, e.type, e.actor, when, e.from, e.to, e.data]);
        q.history.run(seq, caseId, e.type, e.actor, when, e.from, e.to, e.data, prev, hash);
        prev = hash;
        for (const n of e.notices) {
          // Old cases' mail has long gone out.
          const sent = n.status === 'queued';
          q.notice.run(randomUUID(), caseId, seq, n.template, n.recipient, n.data, sent ? 'sent' : n.status, sent ? 1 : 0, n.lastError, sent ? when : null, when);
          notices++;
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
  db.close();

  return {
    caseIds,
    events: seq,
    notices,
    supervisorToken,
    bigCaseload: { token: bigToken, cases: caseIds.filter((_, i) => facilitatorOf(i) === bigId).length },
  };
}
