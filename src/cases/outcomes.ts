import type { EventType } from '../../machines/case/events.js';
import type { BlockedEvent, Reason } from '../../machines/case/index.js';
import type { Issue } from './validation.js';

/**
 * What the engine makes of a request, in domain terms. The API turns these into
 * statuses and JSON (src/api/outcomeResponse.ts), the pages into pages or
 * redirects, each in one place; the engine knows nothing of HTTP.
 */
export type Outcome<T> =
  | { kind: 'ok'; value: T }
  /** Fields to fix; nothing changed. */
  | { kind: 'invalid'; message: string; issues: Issue[] }
  /** The caller's role may not do this. */
  | { kind: 'forbidden'; message: string; reasons: Reason[]; allowedEvents?: EventType[] }
  /** The case does not allow it now (its rules, or a stale version); says why and what is possible instead. */
  | { kind: 'conflict'; message: string; reasons: Reason[]; allowedEvents: EventType[]; blockedEvents: BlockedEvent[]; version?: number }
  /** No such case, or not one the caller may see: the same answer either way. */
  | { kind: 'notFound' }
  /** A party's single-use link was already used. */
  | { kind: 'linkUsed' };

export type Refused = Exclude<Outcome<never>, { kind: 'ok' }>;

export const ok = <T>(value: T): Outcome<T> => ({ kind: 'ok', value });
export const invalid = (issues: Issue[], message = 'The request has fields to fix.'): Refused => ({ kind: 'invalid', message, issues });
export const notFound: Refused = { kind: 'notFound' };
