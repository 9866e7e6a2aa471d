import type { Actor } from '../../machines/case/events.js';
import type { CaseRecord, HistoryRecord, LinkRecord, NoticeRecord, StaffSessionRecord, TaskRecord, TimerRecord, UserRecord } from './store.js';

/** Rows as both dialects return them (one schema, the same column types), and the records the store contract speaks. */

export interface CaseRow {
  id: string;
  reference: string;
  machine_version: number;
  version: number;
  stage: string;
  status: 'active' | 'closed';
  paused: number;
  clocks: CaseRecord['clocks'];
  waiting_for: CaseRecord['oversight']['waitingFor'];
  paused_until: string | null;
  items_overdue: number;
  process: string | null;
  closure_reason: string | null;
  clock_due_at: string | null;
  summary: string | null;
  snapshot: string;
  referral: string;
  facilitator_ids: string | null;
  open_task_ids: string | null;
  created_at: string;
  updated_at: string;
}

/** A case with its allocation and its open tasks, each read by an index from its own table. */
export const caseColumns = `c.id, c.reference, c.machine_version, c.version, c.stage, c.status, c.paused, c.clocks, c.snapshot, c.referral,
  c.waiting_for, c.paused_until, c.items_overdue, c.process, c.closure_reason, c.clock_due_at, c.summary,
  c.created_at, c.updated_at,
  (SELECT json_group_array(user_id) FROM case_facilitators f WHERE f.case_id = c.id) AS facilitator_ids,
  (SELECT json_group_array(id) FROM tasks t WHERE t.case_id = c.id AND t.resolved_at IS NULL) AS open_task_ids`;

const jsonList = (text: string | null) => (text ? (JSON.parse(text) as string[]) : []);

export function toCase(row: CaseRow): CaseRecord {
  return {
    id: row.id,
    reference: row.reference,
    machineVersion: row.machine_version,
    version: row.version,
    stage: row.stage,
    status: row.status,
    paused: row.paused === 1,
    clocks: row.clocks,
    oversight: {
      waitingFor: row.waiting_for,
      pausedUntil: row.paused_until,
      itemsOverdue: row.items_overdue,
      process: row.process,
      closureReason: row.closure_reason,
      clockDueAt: row.clock_due_at,
    },
    summary: row.summary === null ? null : JSON.parse(row.summary),
    snapshot: JSON.parse(row.snapshot),
    referral: JSON.parse(row.referral),
    facilitatorIds: jsonList(row.facilitator_ids),
    openTaskIds: jsonList(row.open_task_ids),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: UserRecord['role'];
  password_hash: string;
  trained_for: string;
  created_at: string;
  disabled_at: string | null;
  totp_secret: string | null;
  last_sign_in_at: string | null;
}

export const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  trainedFor: JSON.parse(r.trained_for) as string[],
  createdAt: r.created_at,
  disabledAt: r.disabled_at,
  totpSecret: r.totp_secret,
  lastSignInAt: r.last_sign_in_at,
});

export interface LinkRow {
  id: string;
  token_hash: string;
  case_id: string;
  notice_id: string;
  party: LinkRecord['party'];
  purpose: LinkRecord['purpose'];
  created_at: string;
  expires_at: string;
  used_at: string | null;
  revoked_at: string | null;
}

export const toLink = (r: LinkRow): LinkRecord => ({
  id: r.id,
  tokenHash: r.token_hash,
  caseId: r.case_id,
  noticeId: r.notice_id,
  party: r.party,
  purpose: r.purpose,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
  revokedAt: r.revoked_at,
});

export function toNotice(r: Record<string, unknown>): NoticeRecord {
  return {
    id: r.id as string,
    caseId: r.case_id as string,
    seq: r.seq as number,
    template: r.template as string,
    recipient: r.recipient as string,
    data: JSON.parse(r.data as string),
    status: r.status as NoticeRecord['status'],
    attempts: r.attempts as number,
    nextAttemptAt: r.next_attempt_at as string | null,
    lastError: r.last_error as string | null,
    sentAt: r.sent_at as string | null,
    createdAt: r.created_at as string,
  };
}

export const toTimer = (r: Record<string, unknown>): TimerRecord => ({
  id: r.id as number,
  caseId: r.case_id as string,
  key: r.key as string,
  event: JSON.parse(r.event as string),
  dueAt: r.due_at as string,
  whilePaused: r.while_paused === 1,
});

export interface SessionRow {
  token_hash: string;
  user_id: string;
  stage: 'password' | 'complete';
  user_agent: string | null;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ended_at: string | null;
  flash: string | null;
}

export const toSession = (r: SessionRow): StaffSessionRecord => ({
  tokenHash: r.token_hash,
  userId: r.user_id,
  stage: r.stage,
  userAgent: r.user_agent,
  csrfToken: r.csrf_token,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  expiresAt: r.expires_at,
  endedAt: r.ended_at,
  flash: r.flash === null ? null : JSON.parse(r.flash),
});

/** A history row with its content row, if any, as one SELECT gives them (see historyColumns). */
type HistoryRow = Record<string, unknown>;

/** A history row joined to its personal content: read the two together wherever history is read. */
export const historyColumns = 'h.*, c.seq AS content_seq, c.content, c.erased_at, c.erased_reason';
export const historyFrom = 'history h LEFT JOIN history_content c ON c.seq = h.seq';

/** The entry as the app reads it: coded data and content together, or the coded data and when and why its content was erased. */
export function toHistory(r: HistoryRow): HistoryRecord {
  const data = JSON.parse(r.data as string) as Record<string, unknown>;
  return {
    seq: r.seq as number,
    caseId: r.case_id as string,
    type: r.type as string,
    actor: JSON.parse(r.actor as string) as Actor,
    at: r.at as string,
    from: r.from_state as string | null,
    to: r.to_state as string,
    data: r.content ? { ...data, ...(JSON.parse(r.content as string) as Record<string, unknown>) } : data,
    ...(r.erased_at ? { erased: { at: r.erased_at as string, reason: r.erased_reason as string } } : {}),
  };
}

export const toTask = (r: Record<string, unknown>): TaskRecord => ({
  id: r.id as string,
  caseId: r.case_id as string,
  kind: r.kind as TaskRecord['kind'],
  createdAt: r.created_at as string,
  resolvedAt: r.resolved_at as string | null,
  resolution: r.resolution as string | null,
  notice: { id: r.id as string, template: r.template as string, recipient: r.recipient as string, lastError: r.last_error as string | null },
});
