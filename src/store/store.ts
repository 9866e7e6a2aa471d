import type { Actor } from '../../machines/case/events.js';

export type Role = 'facilitator' | 'supervisor' | 'admin';

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
  createdAt: string;
  disabledAt: string | null;
}

export interface CaseRecord {
  id: string;
  reference: string;
  machineVersion: number;
  version: number;
  stage: string;
  status: 'active' | 'closed';
  paused: boolean;
  snapshot: unknown;
  referral: Record<string, unknown>;
  facilitatorIds: string[];
  createdAt: string;
  updatedAt: string;
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

/** Everything one accepted event writes, in one transaction. */
export interface EventCommit {
  next: Pick<CaseRecord, 'stage' | 'status' | 'paused' | 'snapshot' | 'facilitatorIds'>;
  history: HistoryEntry;
  timers: NewTimer[];
  /** Keys of this case's pending timers to cancel; '*' cancels them all. */
  cancelTimerKeys: string[];
  /** Recipients whose queued notices are cancelled before this event's notices are queued. */
  stopContactWith: string[];
  notices: NewNotice[];
  firedTimerId?: number;
}

export interface Response {
  status: number;
  body: unknown;
}

export interface IdempotencyClaim {
  actorKey: string;
  key: string;
  requestHash: string;
}

export type Decision =
  | { kind: 'commit'; commit: EventCommit; respond: (saved: CaseRecord, seq: number) => Response }
  | { kind: 'reject'; response: Response };

export type CommitResult = Response & { replayed?: boolean; committed?: { seq: number; record: CaseRecord } };

export interface CaseListFilter {
  stage?: string;
  facilitatorId?: string;
  limit: number;
  offset: number;
}

export interface ChainCheck {
  ok: boolean;
  events: number;
  firstBadSeq?: number;
}

/**
 * All persistence goes through this interface. Methods are async so that a
 * PostgreSQL implementation could satisfy it; the SQLite one runs each write
 * synchronously in its own savepoint of a group-committed immediate transaction.
 */
export interface Store {
  close(): void;
  ping(): Promise<boolean>;

  addUser(user: UserRecord): Promise<void>;
  countUsers(): Promise<number>;
  userById(id: string): Promise<UserRecord | undefined>;
  userByEmail(email: string): Promise<UserRecord | undefined>;
  usersByIds(ids: string[]): Promise<UserRecord[]>;
  addApiToken(token: { id: string; userId: string; tokenHash: string; createdAt: string }): Promise<void>;
  userByTokenHash(tokenHash: string): Promise<UserRecord | undefined>;

  createCase(record: Omit<CaseRecord, 'reference'>, history: HistoryEntry): Promise<CaseRecord>;
  caseById(id: string): Promise<CaseRecord | undefined>;
  listCases(filter: CaseListFilter): Promise<{ cases: CaseRecord[]; total: number }>;
  recordView(caseId: string, userId: string, at: string): Promise<void>;
  /** Who opened the case, newest first: part of the audit supervisors read. */
  views(caseId: string): Promise<{ userId: string; at: string }[]>;

  /**
   * Loads the case, lets `decide` judge the event, and writes what it returns,
   * all in one immediate transaction. `decide` must be synchronous and pure.
   */
  commitEvent(caseId: string, claim: IdempotencyClaim | undefined, decide: (current: CaseRecord | undefined) => Decision): Promise<CommitResult>;

  history(caseId: string): Promise<HistoryRecord[]>;
  notices(caseId: string): Promise<NoticeRecord[]>;
  pendingTimers(caseId: string): Promise<TimerRecord[]>;
  dueTimers(now: string, limit: number): Promise<TimerRecord[]>;
  settleTimer(id: number, status: 'void', at: string): Promise<void>;

  verifyChain(): Promise<ChainCheck>;
  backup(to: string): Promise<void>;
}
