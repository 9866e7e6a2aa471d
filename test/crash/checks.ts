import type { Ack } from './clients.js';
import type { CrashDatabase } from './database.js';
import type { AcceptedMail } from './smtpRecorder.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** The notice id in a Message-ID the app set (`<notice-<id>@host>`), or undefined for any other. */
export const noticeIdOf = (messageId: string) => /^<notice-([A-Za-z0-9-]+)@[^>]+>$/.exec(messageId)?.[1];

/** JSON with its keys sorted, so two values compare as data. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const sameMultiset = (a: string[], b: string[]) => canonical([...a].sort()) === canonical([...b].sort());

/** What the database holds right after a kill, before the next start touches it. */
export interface CrashState {
  /** SQLite's integrity_check; undefined on PostgreSQL. */
  integrity: string | undefined;
  /** Acknowledged events (all so far: only the dead process could have answered them) not in the history at their version. */
  lost: Ack[];
  /** Status of each notice the SMTP server accepted from the killed process (undefined: no such row). */
  noticeStatus: Map<string, string | undefined>;
  historyRows: number;
}

/** Reads the database as the kill left it (on SQLite, before the next start touches it). */
export async function inspectCrashState(db: CrashDatabase, acks: readonly Ack[], noticeIds: string[]): Promise<CrashState> {
  const integrity = await db.integrity();
  return db.reading(async (read) => {
    const types = new Map<string, string[]>();
    const rows = await read<{ case_id: string; type: string }>('SELECT case_id, type FROM history ORDER BY seq');
    for (const { case_id: caseId, type } of rows) {
      const list = types.get(caseId);
      if (list) list.push(type);
      else types.set(caseId, [type]);
    }
    const lost = acks.filter((a) => types.get(a.caseId)?.[a.version - 1] !== a.type);
    const wanted = new Set(noticeIds);
    const found = new Map<string, string>();
    for (const { id, status } of await read<{ id: string; status: string }>('SELECT id, status FROM notices')) if (wanted.has(id)) found.set(id, status);
    const noticeStatus = new Map(noticeIds.map((id) => [id, found.get(id)]));
    return { integrity, lost, noticeStatus, historyRows: rows.length };
  });
}

/** How a generation of the app ended, and (for a kill) the status of the notices it had sent, as the kill left them. */
export interface GenerationEnd {
  how: 'killed' | 'stopped';
  noticeStatus: Map<string, string | undefined>;
}

/**
 * The rule for notices the SMTP server received more than once.
 *
 * The README allows a duplicate in two cases only: an SMTP timeout after the server had accepted
 * (the run's timeout is far beyond what loopback takes, so none is expected and none is allowed
 * here), and a process that dies between the send and its record. So a notice's copies are
 * explained only like this, each copy taken in the order the server accepted them:
 *  - every copy came from a different start of the app (one process never sends a notice twice;
 *    with one instance at a time the starts are then in increasing order, with several they need not be);
 *  - every copy but the last came from a process that was SIGKILLed, and in the database as that
 *    kill left it (read after the process died, before the next start) the notice was not `sent`:
 *    the send had happened and its record was lost with the process, so the next start had to send
 *    it again;
 *  - the last copy is the one that was recorded: its process was stopped cleanly, or was killed
 *    after the `sent` record was durable;
 *  - the notice ends `sent`.
 * (A copy from a killed process whose notice is not in the database that kill left would have been
 * mailed before its commit was durable: never allowed.)
 * The copies are then exactly 1 + the kills that caught the notice between its send and its
 * record, no more (a resend after a durable record is a bug) and no fewer (a notice recorded as
 * sent with no copy, or a lost record with no resend, is a bug).
 */
export function judgeCopies(
  copies: readonly AcceptedMail[],
  finalStatus: string | undefined,
  ends: ReadonlyMap<number, GenerationEnd>,
  noticeId: string,
): { ok: true; resent: number[] } | { ok: false; problem: string } {
  if (finalStatus === undefined) return { ok: false, problem: 'received, but there is no such notice in the database' };
  if (copies.length === 0) {
    return finalStatus === 'sent' ? { ok: false, problem: 'recorded as sent, but the server never received it' } : { ok: true, resent: [] };
  }
  if (finalStatus !== 'sent') return { ok: false, problem: `received ${copies.length}×, but its status is ${finalStatus}` };
  const resent: number[] = [];
  for (let i = 0; i < copies.length; i++) {
    const { generation } = copies[i]!;
    const end = ends.get(generation);
    const atEnd = end?.noticeStatus.get(noticeId);
    const before = copies.findIndex((c) => c.generation === generation);
    if (before < i) return { ok: false, problem: `copies ${before + 1} and ${i + 1} both came from start ${generation}` };
    // Nothing leaves the process before its commit: a notice mailed by a killed process must be in the database that kill left.
    if (end?.how === 'killed' && !end.noticeStatus.has(noticeId)) return { ok: false, problem: `start ${generation}'s copy was not looked up at its kill` };
    if (end?.how === 'killed' && atEnd === undefined) return { ok: false, problem: `start ${generation} mailed it, but the database its kill left has no such notice` };
    if (i < copies.length - 1) {
      if (end?.how !== 'killed') return { ok: false, problem: `sent again after start ${generation}, which was not killed, had sent it` };
      if (atEnd === 'sent') return { ok: false, problem: `sent again after start ${generation} had recorded it as sent before it was killed` };
      resent.push(generation);
    } else if (end?.how === 'killed' && atEnd !== 'sent') {
      return { ok: false, problem: `start ${generation} sent it and was killed before recording it, yet it was never sent again` };
    }
  }
  return { ok: true, resent };
}

/** Notices the chart's timer events commit (the scheduler's side of the same transaction). */
const timerEventNotices: Record<string, string[]> = {
  INVITATION_REMINDER_DUE: ['invitation_reminder>victim'],
  INVITATION_EXPIRED: ['party_responded>facilitators'],
  REOFFER_DUE: ['reoffer_due>facilitators'],
  AGREEMENT_ITEM_DUE: ['item_overdue>facilitators'],
};

interface HistoryRow {
  seq: number;
  case_id: string;
  type: string;
  actor: string;
  at: string;
  data: string;
}
interface NoticeRow {
  id: string;
  case_id: string;
  seq: number;
  template: string;
  recipient: string;
  status: string;
}
interface TimerRow {
  id: number;
  case_id: string;
  key: string;
  event: string;
  due_at: string;
  status: string;
  created_seq: number;
  settled_at: string | null;
}

const sample = (items: string[], n = 5) => (items.length > n ? [...items.slice(0, n), `… ${items.length - n} more`] : items).join('; ');

export interface FinalInput {
  db: CrashDatabase;
  acks: readonly Ack[];
  accepted: readonly AcceptedMail[];
  ends: ReadonlyMap<number, GenerationEnd>;
  delaysMs: { invitationReminder: number; invitationExpiry: number };
}

export interface MailFigures {
  notices: number;
  sent: number;
  failedAtOnce: number;
  messages: number;
  duplicates: { noticeId: string; copies: number; resentAfterKillOf: number[] }[];
}

/** RFC 7396 merge patch, as SQLite's json_patch: an entry's coded fields with its personal content over them. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Everything checked on the database after the clean stop; returns the checks and the mail figures. */
export async function finalChecks({ db, acks, accepted, ends, delaysMs }: FinalInput): Promise<{ checks: Check[]; mail: MailFigures; historyRows: number }> {
  const checks: Check[] = [];
  const integrity = await db.integrity();
  if (integrity !== undefined) checks.push({ name: 'PRAGMA integrity_check after the clean stop', ok: integrity === 'ok', detail: integrity });
  const { history, notices, timers, cases } = await db.reading(async (read) => ({
    // An entry's data as the app reads it: its coded fields with its personal content, which is kept apart from the chained row.
    history: (
      await read<HistoryRow & { content: string | null }>(
        'SELECT h.seq, h.case_id, h.type, h.actor, h.at, h.data, c.content FROM history h LEFT JOIN history_content c ON c.seq = h.seq ORDER BY h.seq',
      )
    ).map(({ content, ...row }) => ({ ...row, data: content ? JSON.stringify(mergePatch(JSON.parse(row.data), JSON.parse(content))) : row.data })),
    notices: await read<NoticeRow>('SELECT id, case_id, seq, template, recipient, status FROM notices'),
    timers: await read<TimerRow>('SELECT id, case_id, key, event, due_at, status, created_seq, settled_at FROM timers'),
    cases: await read<{ id: string; version: number }>('SELECT id, version FROM cases'),
  }));
  const byCase = new Map<string, HistoryRow[]>();
  for (const row of history) {
    const list = byCase.get(row.case_id);
    if (list) list.push(row);
    else byCase.set(row.case_id, [row]);
  }
  const noticesBySeq = new Map<number, NoticeRow[]>();
  for (const n of notices) noticesBySeq.set(n.seq, [...(noticesBySeq.get(n.seq) ?? []), n]);
  const timersBySeq = new Map<number, TimerRow[]>();
  for (const t of timers) timersBySeq.set(t.created_seq, [...(timersBySeq.get(t.created_seq) ?? []), t]);

  // 1. Every acknowledged event is in its case's history at the version it was acknowledged with, as sent, by its sender.
  const wrong: string[] = [];
  const ackAt = new Map<string, Ack>();
  const twice: string[] = [];
  for (const ack of acks) {
    const at = `${ack.caseId}@${ack.version}`;
    if (ackAt.has(at)) twice.push(`${ack.type} and ${ackAt.get(at)!.type} both acknowledged as ${at}`);
    ackAt.set(at, ack);
    const row = byCase.get(ack.caseId)?.[ack.version - 1];
    if (!row) {
      wrong.push(`${ack.type} on ${ack.caseId} v${ack.version} is missing`);
      continue;
    }
    const actor = JSON.parse(row.actor) as { id?: string };
    if (row.type !== ack.type || actor.id !== ack.actorId || canonical(JSON.parse(row.data)) !== canonical(ack.data)) {
      wrong.push(`${ack.type} on ${ack.caseId} v${ack.version}: history has ${row.type} by ${actor.id} with ${row.data}`);
    }
  }
  checks.push({
    name: 'every acknowledged event is in its history at the acknowledged version',
    ok: wrong.length === 0 && twice.length === 0,
    detail: wrong.length + twice.length === 0 ? `${acks.length} acknowledged, all present` : sample([...wrong, ...twice]),
  });

  // 2. Nothing a person sent committed without an acknowledgement (every request was retried until answered), nor twice.
  const unacked = history.filter((r) => (JSON.parse(r.actor) as { kind: string }).kind === 'user').filter((r) => {
    const version = byCase.get(r.case_id)!.indexOf(r) + 1;
    return !ackAt.has(`${r.case_id}@${version}`);
  });
  checks.push({
    name: 'no staff event in the history that was not acknowledged (none applied twice)',
    ok: unacked.length === 0,
    detail: unacked.length === 0 ? 'none' : sample(unacked.map((r) => `${r.type} on ${r.case_id} seq ${r.seq}`)),
  });

  // 3. Each case's version is its history's length.
  const badVersion = cases.filter((c) => (byCase.get(c.id)?.length ?? 0) !== c.version);
  checks.push({
    name: "every case's version equals its history's length",
    ok: badVersion.length === 0,
    detail: badVersion.length === 0 ? `${cases.length} cases` : sample(badVersion.map((c) => `${c.id}: version ${c.version}, ${byCase.get(c.id)?.length ?? 0} events`)),
  });

  // 4. The notices and timers each acknowledged event committed with it (rows in any later state count).
  const effectProblems: string[] = [];
  let noticesExpected = 0;
  let timersExpected = 0;
  for (const ack of acks) {
    const row = byCase.get(ack.caseId)?.[ack.version - 1];
    if (!row || row.type !== ack.type) continue;
    const gotNotices = (noticesBySeq.get(row.seq) ?? []).map((n) => `${n.template}>${n.recipient}`);
    const gotTimers = timersBySeq.get(row.seq) ?? [];
    noticesExpected += ack.notices.length;
    timersExpected += ack.timers.length;
    if (!sameMultiset(gotNotices, ack.notices)) effectProblems.push(`${ack.type} on ${ack.caseId} v${ack.version}: notices ${canonical(gotNotices.sort())}, expected ${canonical([...ack.notices].sort())}`);
    if (!sameMultiset(gotTimers.map((t) => t.key), ack.timers)) effectProblems.push(`${ack.type} on ${ack.caseId} v${ack.version}: timers ${canonical(gotTimers.map((t) => t.key).sort())}, expected ${canonical([...ack.timers].sort())}`);
    if (ack.type === 'INVITE_VICTIM') {
      for (const t of gotTimers) {
        const delay = t.key === 'invitationReminder' ? delaysMs.invitationReminder : delaysMs.invitationExpiry;
        if (Date.parse(t.due_at) !== Date.parse(row.at) + delay) effectProblems.push(`${t.key} of ${ack.caseId} due ${t.due_at}, invited ${row.at}`);
      }
    }
  }
  checks.push({
    name: 'every acknowledged notice and timer is there (INVITE_VICTIM: its invitation, reminder and expiry)',
    ok: effectProblems.length === 0,
    detail: effectProblems.length === 0 ? `${noticesExpected} notices and ${timersExpected} timers of acknowledged events` : sample(effectProblems),
  });

  // 5. Timers fire once each: every fired timer is one system event of its type at its settling time, with its notices, and back.
  const systemProblems: string[] = [];
  const fired = timers.filter((t) => t.status === 'fired');
  const firedKey = (caseId: string, type: string, at: string) => `${caseId}|${type}|${at}`;
  const firedCount = new Map<string, number>();
  for (const t of fired) {
    const k = firedKey(t.case_id, (JSON.parse(t.event) as { type: string }).type, t.settled_at ?? '');
    firedCount.set(k, (firedCount.get(k) ?? 0) + 1);
  }
  let systemEvents = 0;
  for (const row of history) {
    const actor = JSON.parse(row.actor) as { kind: string };
    if (actor.kind !== 'system') continue;
    systemEvents++;
    const expected = timerEventNotices[row.type];
    if (!expected) {
      systemProblems.push(`unexpected system event ${row.type} on ${row.case_id}`);
      continue;
    }
    const k = firedKey(row.case_id, row.type, row.at);
    const left = firedCount.get(k) ?? 0;
    if (left === 0) systemProblems.push(`${row.type} on ${row.case_id} seq ${row.seq} has no fired timer`);
    else firedCount.set(k, left - 1);
    const got = (noticesBySeq.get(row.seq) ?? []).map((n) => `${n.template}>${n.recipient}`);
    if (!sameMultiset(got, expected)) systemProblems.push(`${row.type} on ${row.case_id} seq ${row.seq}: notices ${canonical(got)}`);
  }
  for (const [k, left] of firedCount) if (left > 0) systemProblems.push(`timer fired without its event: ${k}`);
  checks.push({
    name: 'every fired timer is exactly one system event, with its notices',
    ok: systemProblems.length === 0,
    detail: systemProblems.length === 0 ? `${fired.length} timers fired, ${systemEvents} system events` : sample(systemProblems),
  });

  // 6. Mail: every message the server took is a committed notice; each notice arrived once, or more only as judgeCopies explains.
  const status = new Map(notices.map((n) => [n.id, n.status]));
  const copies = new Map<string, AcceptedMail[]>();
  const foreign: string[] = [];
  for (const m of accepted) {
    const id = noticeIdOf(m.messageId);
    if (!id) foreign.push(m.messageId || '(no Message-ID)');
    else copies.set(id, [...(copies.get(id) ?? []), m]);
  }
  const mailProblems: string[] = [];
  const duplicates: MailFigures['duplicates'] = [];
  for (const id of new Set([...status.keys(), ...copies.keys()])) {
    const got = copies.get(id) ?? [];
    const verdict = judgeCopies(got, status.get(id), ends, id);
    if (!verdict.ok) mailProblems.push(`notice ${id}: ${verdict.problem}`);
    else if (got.length > 1) duplicates.push({ noticeId: id, copies: got.length, resentAfterKillOf: verdict.resent });
  }
  checks.push({
    name: 'every message the SMTP server took is a notice in the database',
    ok: foreign.length === 0,
    detail: foreign.length === 0 ? `${accepted.length} messages` : sample(foreign),
  });
  checks.push({
    name: 'no notice sent twice, but where a kill caught it between the send and its record',
    ok: mailProblems.length === 0,
    detail:
      mailProblems.length === 0
        ? `${duplicates.length} duplicated (${duplicates.reduce((n, d) => n + d.copies - 1, 0)} extra copies), each explained by a kill`
        : sample(mailProblems),
  });

  const mail: MailFigures = {
    notices: notices.length,
    sent: notices.filter((n) => n.status === 'sent').length,
    failedAtOnce: notices.filter((n) => n.status === 'failed').length,
    messages: accepted.length,
    duplicates,
  };
  return { checks, mail, historyRows: history.length };
}

/**
 * What is still waiting while the app runs: notices not yet sent (and how long the oldest has waited),
 * and timers due over a second ago that may fire.
 */
export async function backlog(db: CrashDatabase, now = Date.now()): Promise<{ notices: number; oldestMs: number; timers: number }> {
  return db.reading(async (read) => {
    // A notice claimed by an instance stays queued (or retrying) until its outcome is recorded.
    const [waiting] = await read<{ n: number; oldest: string | null }>("SELECT count(*) AS n, min(created_at) AS oldest FROM notices WHERE status IN ('queued', 'retrying')");
    // The scheduler's own condition (dueTimers in both stores' cases.ts): held and paused cases' timers wait by design.
    const [due] = await read<{ n: number }>(
      `SELECT count(*) AS n FROM timers t JOIN cases c ON c.id = t.case_id
       WHERE t.status = 'pending' AND t.due_at <= ? AND (c.clocks = 'running' OR (c.clocks = 'paused' AND t.while_paused = 1))`,
      [new Date(now - 1000).toISOString()],
    );
    return { notices: waiting!.n, oldestMs: waiting!.oldest ? now - Date.parse(waiting!.oldest) : 0, timers: due!.n };
  });
}

/** The history of one case as the database holds it: for comparing with what the API answers. */
export function historyOf(db: CrashDatabase, caseId: string): Promise<{ seq: number; type: string }[]> {
  return db.reading((read) => read('SELECT seq, type FROM history WHERE case_id = ? ORDER BY seq', [caseId]));
}
