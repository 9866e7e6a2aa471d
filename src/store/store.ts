import type { Actor } from '../../machines/case/events.js';

export type Role = 'facilitator' | 'supervisor' | 'admin';

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
  /** The sensitive offence types they are trained for (see specialisms in machines/case/context.v2.ts). */
  trainedFor: string[];
  createdAt: string;
  disabledAt: string | null;
  /** The TOTP secret, encrypted (src/auth/totp.ts); null until two-factor sign-in is set up. */
  totpSecret: string | null;
  lastSignInAt: string | null;
}

/** A user as added: two-factor sign-in and sign-ins come later. */
export type NewUserRecord = Omit<UserRecord, 'totpSecret' | 'lastSignInAt'>;

/** An API token as listed to its owner: never the token, which exists only once, when it is issued. */
export interface ApiTokenRecord {
  id: string;
  userId: string;
  label: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

/** A single-use link emailed to a new user to choose their password. */
export interface SetupLinkRecord {
  id: string;
  userId: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

export type AccessFailureKind = 'password' | 'second_step' | 'api_token' | 'link' | 'setup_link';

export interface AccessFailure {
  at: string;
  kind: AccessFailureKind;
  userId: string | null;
  ip: string;
}

export interface CaseRecord {
  id: string;
  reference: string;
  machineVersion: number;
  version: number;
  stage: string;
  status: 'active' | 'closed';
  paused: boolean;
  /** Whether its timers fire now (see Clocks in machines/case/index.ts). */
  clocks: 'running' | 'paused' | 'held';
  /** What dashboards filter on, taken from the snapshot with every event. */
  oversight: CaseOversight;
  /** The case's summary for oversight and reports (src/cases/caseSummary.ts); null until built for a case older than summaries. */
  summary: unknown;
  snapshot: unknown;
  referral: Record<string, unknown>;
  facilitatorIds: string[];
  /** Tasks not yet dealt with: the chart's RESOLVE_TASK reads them. */
  openTaskIds: string[];
  createdAt: string;
  updatedAt: string;
}

export interface CaseOversight {
  waitingFor: 'risk_approval' | 'closure_sign_off' | null;
  pausedUntil: string | null;
  itemsOverdue: number;
  process: string | null;
  closureReason: string | null;
  /** The earliest Victims' Code deadline not yet met, while one runs (from the summary). */
  clockDueAt: string | null;
}

/** A summary as the store keeps it: the fold itself, and the stage the event just left, with the time spent there. */
export interface SummaryUpdate {
  value: unknown;
  left?: { stage: string; ms: number };
}

export interface HistoryEntry {
  type: string;
  actor: Actor;
  at: string;
  from: string | null;
  to: string;
  data: Record<string, unknown>;
}

export interface HistoryRecord extends HistoryEntry {
  seq: number;
  caseId: string;
  /** When and why this entry's personal content was erased: `data` then holds only its coded fields. */
  erased?: { at: string; reason: string };
}

export interface NewTimer {
  key: string;
  event: Record<string, unknown>;
  dueAt: string;
  whilePaused: boolean;
}

export interface TimerRecord extends NewTimer {
  id: number;
  caseId: string;
}

export type NoticeStatus = 'queued' | 'sent' | 'retrying' | 'failed' | 'cancelled';

/** A notice's recipient is staff (`facilitators`, `supervisors`) or a party (`victim`, `offender`, `supporter:<id>`). */
export const isStaffRecipient = (recipient: string) => recipient === 'facilitators' || recipient === 'supervisors';

/** The facilitators' notice that a party's notice could not be delivered: what it was, to whom, and why. */
export const undeliverableNotice = (failed: { id: string; template: string; recipient: string }, lastError: string) => ({
  template: 'notice_undeliverable',
  recipient: 'facilitators',
  data: { noticeId: failed.id, template: failed.template, to: failed.recipient, lastError },
});

export interface NewNotice {
  id: string;
  template: string;
  recipient: string;
  data: Record<string, unknown>;
  status: 'queued' | 'failed';
  lastError?: string;
}

export interface NoticeRecord {
  id: string;
  caseId: string;
  seq: number;
  template: string;
  recipient: string;
  data: Record<string, unknown>;
  status: NoticeStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  sentAt: string | null;
  createdAt: string;
}

export type LinkPurpose = 'invitation' | 'withdrawal' | 'feedback';

/** A link emailed to a party, bound to one case, one party and one purpose. */
export interface NewLink {
  id: string;
  tokenHash: string;
  noticeId: string;
  party: 'victim' | 'offender';
  purpose: LinkPurpose;
  expiresAt: string;
}

export interface LinkRecord extends NewLink {
  caseId: string;
  createdAt: string;
  usedAt: string | null;
  revokedAt: string | null;
}

/** Work the case asks of its facilitators: today, reaching a party whose email could not be delivered. */
export interface TaskRecord {
  id: string;
  caseId: string;
  kind: 'notice_undeliverable';
  createdAt: string;
  resolvedAt: string | null;
  resolution: string | null;
  notice: { id: string; template: string; recipient: string; lastError: string | null };
}

export interface FeedbackRecord {
  caseId: string;
  party: string;
  linkId: string;
  rating: number;
  comment: string | null;
  at: string;
}

/** Everything one accepted event writes, in one transaction. */
export interface EventCommit {
  /** The case as the event leaves it; `machineVersion` only when a migration moves it to another chart. */
  next: Pick<CaseRecord, 'stage' | 'status' | 'paused' | 'clocks' | 'oversight' | 'snapshot' | 'facilitatorIds'> & {
    machineVersion?: number;
    /** Set when this event closes the case: until when its personal content is kept. */
    retainUntil?: string;
  };
  /** The case's summary after the event; left as it is when the case has none yet. */
  summary?: SummaryUpdate;
  history: HistoryEntry;
  timers: NewTimer[];
  /** Keys of this case's pending timers to cancel; '*' cancels them all. */
  cancelTimerKeys: string[];
  /** Recipients whose queued notices are cancelled before this event's notices are queued. */
  stopContactWith: string[];
  notices: NewNotice[];
  /** Links for this event's notices to parties. */
  links: NewLink[];
  /** Tasks this event deals with (`*`: every open one), each marked resolved with the note. */
  resolveTasks?: { taskIds: string[]; note: string };
  /** A party's contact details as corrected: they replace the referral's, and the content of the party's earlier corrections is erased. */
  correctParty?: { party: 'victim' | 'offender'; name: string; email?: string; phone?: string };
  /** The timer this event fires. It must still be pending, or the whole event is refused (TimerAlreadySettled), so a timer fires once. */
  firedTimerId?: number;
  /**
   * The single-use link this event answers. It is marked used in the same
   * transaction, and if it was used already the whole event is refused
   * (LinkAlreadyUsed), so of parallel answers exactly one wins.
   */
  useLinkId?: string;
}

export class LinkAlreadyUsed extends Error {
  constructor() {
    super('this link has already been used');
  }
}

/** The timer an event would fire was settled meanwhile (fired by another sweep, or cancelled): the event is refused whole. */
export class TimerAlreadySettled extends Error {
  constructor() {
    super('this timer has already been settled');
  }
}

export interface IdempotencyClaim {
  actorKey: string;
  key: string;
  requestHash: string;
}

/** What `decide` makes of an event: commit it, or refuse it for a reason of the caller's own kind. */
export type Decision<R> = { kind: 'commit'; commit: EventCommit } | { kind: 'reject'; refusal: R };

/**
 * How commitEvent ended: refused by `decide`; an Idempotency-Key already used
 * for another request; committed; or a replay of an earlier request with the
 * same key, with what that request committed, so its response can be rebuilt exactly.
 */
export type CommitOutcome<R> =
  | { kind: 'rejected'; refusal: R }
  | { kind: 'keyReused' }
  | { kind: 'committed'; record: CaseRecord }
  | { kind: 'replayed'; record: CaseRecord; first: { version: number; machineVersion: number; at: string; snapshot: unknown } };

/** The dashboard's lists of cases that need a supervisor's attention. */
export const caseQueues = ['referrals', 'riskApprovals', 'closureSignOffs', 'clocksOverdue', 'itemsOverdue', 'undeliverable', 'stalled', 'pausedPastEnd'] as const;
export type CaseQueue = (typeof caseQueues)[number];

export interface CaseListFilter {
  stage?: string;
  facilitatorId?: string;
  /** Cases whose reference starts with this (references are upper case: `RJ-2026-0000`). */
  referencePrefix?: string;
  /** Newest referral first (the default), oldest first, or the most recently changed first. */
  sort?: 'newest' | 'oldest' | 'updated';
  /** One of the dashboard's lists, as of `at` (the time now, today's date, and where stalling begins). */
  queue?: { name: CaseQueue; now: string; today: string; stalledBefore: string };
  limit: number;
  offset: number;
}

export interface ChainCheck {
  ok: boolean;
  events: number;
  firstBadSeq?: number;
}

/** Staff accounts and API tokens. */
export interface UserStore {
  addUser(user: NewUserRecord): Promise<void>;
  countUsers(): Promise<number>;
  userById(id: string): Promise<UserRecord | undefined>;
  userByEmail(email: string): Promise<UserRecord | undefined>;
  usersByIds(ids: string[]): Promise<UserRecord[]>;
  /** Active facilitators, by name: whom a case can be allocated to. */
  activeFacilitators(): Promise<UserRecord[]>;
  setTrainedFor(userId: string, trainedFor: string[]): Promise<void>;
  addApiToken(token: Omit<ApiTokenRecord, 'revokedAt'> & { tokenHash: string }): Promise<void>;
  /** The active user whose token, neither revoked nor expired at `now`, has this hash. */
  userByTokenHash(tokenHash: string, now: string): Promise<UserRecord | undefined>;
  /** Every token the user was issued, newest first. */
  apiTokensOf(userId: string): Promise<ApiTokenRecord[]>;
  /** Revokes one of the user's own tokens; false if they have no such token still working. */
  revokeApiToken(userId: string, tokenId: string, at: string): Promise<boolean>;
  /** Every user, by name, for the admins' list. */
  allUsers(): Promise<UserRecord[]>;
  setPassword(userId: string, passwordHash: string): Promise<void>;
  recordSignIn(userId: string, at: string): Promise<void>;
  /** Disables the user and, in the same transaction, ends their sessions and revokes their tokens. */
  disableUser(userId: string, at: string): Promise<void>;
  /** Sets up two-factor sign-in (the encrypted secret and the recovery codes' hashes), or with null removes it and its codes. */
  setTwoFactor(userId: string, setUp: { totpSecret: string; recoveryCodeHashes: string[] } | null): Promise<void>;
  /** Records that a code for this time step was used: false if one for it, or a later one, already was (a replay). */
  useTotpStep(userId: string, step: number): Promise<boolean>;
  /** Uses up one recovery code: false if it is not one of the user's, or was used already. */
  useRecoveryCode(userId: string, codeHash: string, at: string): Promise<boolean>;
  recoveryCodesLeft(userId: string): Promise<number>;
  addSetupLink(link: Omit<SetupLinkRecord, 'usedAt'> & { tokenHash: string }): Promise<void>;
  setupLinkByHash(tokenHash: string): Promise<SetupLinkRecord | undefined>;
  /** Uses the link and sets the password in one transaction; false if the link was used meanwhile. */
  completeSetup(linkId: string, passwordHash: string, at: string): Promise<boolean>;
}

/** An email about an account, as queued. */
export interface AccountNoticeRecord {
  id: string;
  template: string;
  userId: string;
  data: Record<string, unknown>;
  createdAt: string;
}

/** Failed sign-ins, tokens and links: the audit of them, the back-off after them, and the alert on a burst. */
export interface AccessGuardStore {
  /**
   * Records the failure and, in the same transaction, counts it against each key (a key idle since
   * `resetBefore` starts again from nothing), blocking the key until `blockFor(failures)` ms from the
   * failure when that is more than 0.
   */
  recordFailedAccess(failure: AccessFailure, counts: { key: string; blockFor: (failures: number) => number }[], resetBefore: string): Promise<void>;
  accessFailuresSince(at: string): Promise<number>;
  /** Failures recorded, newest first, for the admins. */
  recentAccessFailures(limit: number): Promise<AccessFailure[]>;
  /** The latest time any of these keys is blocked until, if one is blocked at `now`. */
  blockedUntil(keys: string[], now: string): Promise<string | undefined>;
  clearThrottle(key: string): Promise<void>;
  /** Queues this alert's notices, in one transaction with claiming it: false (and nothing queued) if one was raised after `notBefore`. */
  raiseAlert(kind: string, at: string, notBefore: string, notices: AccountNoticeRecord[]): Promise<boolean>;
  /** Queues an email about an account (not a case), to be sent by the account outbox. */
  queueAccountNotice(notice: AccountNoticeRecord): Promise<void>;
}

/** A staff member's signed-in session, as stored: the cookie's token is never stored, only its hash. */
export interface StaffSessionRecord {
  tokenHash: string;
  userId: string;
  /** `password` between the password and the second step; `complete` once signed in. */
  stage: 'password' | 'complete';
  userAgent: string | null;
  csrfToken: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  endedAt: string | null;
  flash: unknown;
}

/** Staff sessions, held on the server. */
export interface SessionStore {
  openStaffSession(session: Omit<StaffSessionRecord, 'endedAt' | 'flash'>): Promise<void>;
  staffSession(tokenHash: string): Promise<StaffSessionRecord | undefined>;
  /** Marks the session used now, so its idle timeout starts again. */
  touchStaffSession(tokenHash: string, at: string): Promise<void>;
  endStaffSession(tokenHash: string, at: string): Promise<void>;
  /** The user's sessions not ended and not past their 12 hours at `now`, newest first. */
  staffSessionsOf(userId: string, now: string): Promise<StaffSessionRecord[]>;
  /** Ends every session of the user's but `except` (their own, when they change their password). */
  endStaffSessionsOf(userId: string, at: string, except?: string): Promise<void>;
  /** Sets what the session's next page says once (read with the session); `clearFlash` once it has been shown. */
  setFlash(tokenHash: string, flash: unknown): Promise<void>;
  clearFlash(tokenHash: string): Promise<void>;
}

/** Cases, their chained history, timers, notices and tasks: every change goes through commitEvent. */
export interface CaseStore {
  /**
   * Creates a case with its first history row. With a claim, a second creation under the same
   * Idempotency-Key returns the case the first one made (`replayed`) instead of a new one.
   */
  createCase(
    record: Omit<CaseRecord, 'reference' | 'openTaskIds' | 'summary'>,
    history: HistoryEntry,
    summary: SummaryUpdate,
    claim?: IdempotencyClaim,
  ): Promise<{ record: CaseRecord; replayed: boolean } | { keyReused: true }>;
  caseById(id: string): Promise<CaseRecord | undefined>;
  /**
   * Loads the case, lets `decide` judge the event, and writes what it returns,
   * all in one immediate transaction. `decide` must be synchronous and pure.
   */
  commitEvent<R>(caseId: string, claim: IdempotencyClaim | undefined, decide: (current: CaseRecord | undefined) => Decision<R>): Promise<CommitOutcome<R>>;
  history(caseId: string): Promise<HistoryRecord[]>;
  notices(caseId: string): Promise<NoticeRecord[]>;
  /** Open tasks, oldest first. */
  openTasks(caseId: string): Promise<TaskRecord[]>;
  pendingTimers(caseId: string): Promise<TimerRecord[]>;
  /** For a page of cases at once: their pending timers, and their history entries of the given types. */
  caseloadDetails(caseIds: string[], historyTypes: readonly string[]): Promise<{ timers: TimerRecord[]; events: HistoryRecord[] }>;
  /**
   * Pending timers due at `now` whose case's clocks let them fire, in due order, claimed for this instance.
   * Where several instances share the database (PostgreSQL), each is leased to one of them until the lease runs out.
   */
  dueTimers(now: string, limit: number): Promise<TimerRecord[]>;
  settleTimer(id: number, status: 'void', at: string): Promise<void>;
  /** Ids of active cases whose machine version is below `version`, oldest first. */
  casesBelowVersion(version: number): Promise<string[]>;
  /** Up to `limit` cases made before summaries were kept. */
  casesWithoutSummary(limit: number): Promise<CaseRecord[]>;
  /** A summary built from a whole history, with the time spent in each stage and the deadline it leaves. */
  saveSummary(caseId: string, summary: SummaryUpdate, stageTimes: { stage: string; ms: number }[], clockDueAt: string | null): Promise<void>;
}

export interface CaseloadStore {
  listCases(filter: CaseListFilter): Promise<{ cases: CaseRecord[]; total: number }>;
}

/** How many cases are in each of the dashboard's lists. */
export type DashboardCounts = Record<CaseQueue, number>;

/** A case supervision session for a practitioner. */
export interface SupervisionRecord {
  id: string;
  facilitatorId: string;
  heldOn: string;
  note: string;
  recordedBy: string;
  recordedAt: string;
}

/** Supervisors' oversight across cases: the dashboard's counts, caseloads, and practitioners' supervision. */
export interface OversightStore {
  dashboardCounts(at: { now: string; today: string; stalledBefore: string }): Promise<DashboardCounts>;
  /** Every active facilitator with their open cases by stage. */
  facilitatorCaseloads(): Promise<{ id: string; name: string; byStage: Record<string, number> }[]>;
  addSupervision(session: SupervisionRecord): Promise<void>;
  /** The date of each facilitator's latest supervision session, by facilitator id. */
  lastSupervisions(): Promise<Record<string, string>>;
}

/** The commissioner's figures for the cases referred in a period, counted by case (src/reports/). */
export interface ReportFigures {
  funnel: { referred: number; contacted: number; consented: number; meetingHeld: number; agreementMade: number; agreementCompleted: number };
  closures: { reason: string | null; cases: number }[];
  /** Per stage: how many cases left it, and the median and 90th percentile of their time there, in ms. */
  stageTimes: { stage: string; cases: number; median: number; p90: number }[];
  processes: { process: string; cases: number; held: number }[];
  satisfaction: { party: string; rating: number; answers: number }[];
  agencies: { agency: string; cases: number }[];
  clocks: { clock: string; status: string; cases: number }[];
}

export interface ReportsStore {
  /** The figures for cases whose referral was received from `from` (inclusive) to `to` (exclusive); overdue as of `now`. */
  reportFigures(period: { from: string; to: string; now: string }): Promise<ReportFigures>;
}

/** Links emailed to parties, the sessions they open, and the feedback they bring. */
export interface LinkStore {
  /** A link by its token's hash, whatever its state: callers judge expiry, use and revocation. */
  linkByTokenHash(tokenHash: string): Promise<LinkRecord | undefined>;
  linksForNotice(noticeId: string): Promise<LinkRecord[]>;
  openPartySession(session: { tokenHash: string; linkId: string; createdAt: string; expiresAt: string }): Promise<void>;
  /** The link behind an unexpired party session. */
  partySessionLink(sessionTokenHash: string, now: string): Promise<LinkRecord | undefined>;
  /** Stores the answer and uses the feedback link in one transaction; false if the link was already used. */
  saveFeedback(feedback: FeedbackRecord): Promise<boolean>;
  feedback(caseId: string): Promise<FeedbackRecord[]>;
}

/** How a case was read: its page, its audited history, or an export of that history. */
export type ViewKind = 'case' | 'history' | 'export';

export interface CaseViewRecord {
  userId: string;
  at: string;
  kind: ViewKind;
}

/**
 * A history row that fails its own check: its content no longer gives its hash
 * (`altered`), or it does not link to the row stored before it (`unlinked`: a row
 * before it was removed or replaced).
 */
export interface BrokenEntry {
  seq: number;
  problem: 'altered' | 'unlinked';
}

/** Who opened a case, and the chain's verification. */
export interface AuditStore {
  recordView(caseId: string, userId: string, at: string, kind?: ViewKind): Promise<void>;
  /** Who read the case and how, newest first: part of the audit supervisors read. */
  views(caseId: string): Promise<CaseViewRecord[]>;
  /** The case's history rows that fail their own check, in order; none when its part of the chain is intact. */
  brokenEntries(caseId: string): Promise<BrokenEntry[]>;
  /** The case a history row belongs to, to name and link the first broken entry of the chain. */
  caseOfEntry(seq: number): Promise<string | undefined>;
  verifyChain(): Promise<ChainCheck>;
}

/** A checked copy of the SQLite file; PostgreSQL is backed up by its own tools (README). */
export interface BackupStore {
  backup(to: string): Promise<void>;
}

export interface RetentionStore {
  /**
   * Deletes idempotency rows recorded before `keysBefore`, and party and staff sessions
   * that expired by `sessionsBefore`, in one transaction; returns how many of each.
   */
  pruneExpired(cutoffs: { keysBefore: string; sessionsBefore: string }): Promise<{ idempotencyKeys: number; partySessions: number; staffSessions: number }>;
}

/**
 * Requests counted per key (a limit's name and a client's address) in fixed windows, shared by every
 * instance on the database, so a load balancer switching instance does not multiply a limit.
 */
export interface RateLimitStore {
  /** Counts one request in the window that began at `windowStart` (a key's earlier window is forgotten); returns the window's count. */
  countRequest(key: string, windowStart: string): Promise<number>;
  /** Takes back one request counted in that window (express-rate-limit's skip of a successful request). */
  uncountRequest(key: string, windowStart: string): Promise<void>;
  resetRequests(key: string): Promise<void>;
}

/** A case's retention: when its personal content may be anonymised, and whether a legal hold keeps it. */
export interface RetentionRecord {
  caseId: string;
  reference: string;
  closedAt: string;
  closureReason: string | null;
  retainUntil: string;
  anonymisedAt: string | null;
  hold: { reason: string; placedBy: string; placedAt: string } | null;
}

/** What an erasure is to remove: one party's personal content, or the whole case's (anonymisation). */
export interface ErasureRequest {
  caseId: string;
  party: 'victim' | 'offender' | 'all';
  /** The lawful reason, as a code: it is what the history shows in place of the content. */
  basis: string;
  note?: string;
  actor: Actor;
  at: string;
}

/** Erasure, retention and the record of what was done with a case's personal data. */
export interface PrivacyStore {
  /**
   * In one transaction: erases the party's (or every) personal content of the case, its history
   * rows' content and salts, the referral's details, the snapshot's names and free text, the bodies
   * of notices and feedback and the case's idempotency rows, and appends a PERSONAL_DATA_ERASED
   * entry naming the rows erased. Returns those seqs; undefined for no such case.
   */
  erasePersonalData(request: ErasureRequest): Promise<{ erasedSeqs: number[] } | undefined>;
  /** Appends an entry that records what was done with the case (an export, a hold): it moves no state, so it is at the case's current one. */
  recordEntry(caseId: string, entry: Omit<HistoryEntry, 'from' | 'to'>): Promise<void>;
  /** Sets each closed case's retention date that has none yet, by `retainUntil(closedAt, closureReason, declinedAtReferral)`. */
  assignRetention(retainUntil: (closedAt: string, closureReason: string | null, declinedAtReferral: boolean) => string): Promise<number>;
  /** Closed cases not yet anonymised whose date is before `before`, soonest first; with `held`, only those (not) on hold. */
  retentionDue(before: string, options?: { held?: boolean; limit?: number }): Promise<RetentionRecord[]>;
  retention(caseId: string): Promise<RetentionRecord | undefined>;
  /** Places or lifts a legal hold, with its history entry, in one transaction: false if there was already one (or none to lift). */
  setHold(caseId: string, hold: { reason: string; actor: Actor; at: string; place: boolean }): Promise<boolean>;
  /** Marks the case anonymised: its content erased by the sweep, its coded record kept. */
  markAnonymised(caseId: string, at: string): Promise<void>;
  /** Writes the log's pages back to the database and empties it, so no copy of erased content is left in old log frames. */
  purgeFreedPages(): Promise<void>;
}

/** What the health checks ask: whether the database answers, takes writes, is migrated, and whether mail is moving. */
export interface HealthStore {
  ping(): Promise<boolean>;
  /** Commits a one-row probe through the write queue: true once it is durable. */
  writable(at: string): Promise<boolean>;
  /** Migrations the code has that this database has not applied. */
  pendingMigrations(): Promise<string[]>;
  /** Notices due to be sent since before `before` and still waiting: the outbox is not sending. */
  noticesWaitingSince(before: string): Promise<number>;
}

/**
 * All persistence goes through this contract, one area per interface, met by
 * two stores (ADR 0011): SQLite's (src/store/sqliteStore.ts) runs each write
 * synchronously in its own savepoint of a group-committed immediate
 * transaction; PostgreSQL's (src/store/postgresStore.ts) does the same on one
 * connection per instance, with the case row locked.
 */
export interface Store
  extends UserStore, AccessGuardStore, SessionStore, CaseStore, CaseloadStore, OversightStore, ReportsStore, LinkStore, AuditStore, RetentionStore, PrivacyStore, RateLimitStore, HealthStore {
  /** Waits for the writes in flight, then closes the database (or this instance's pool). */
  close(): Promise<void>;
}
