import { v7 as timeOrderedId } from 'uuid';
import { hasWithdrawn } from '../../machines/case/consent.js';
import type { CaseContext } from '../../machines/case/context.js';
import type {
  CancelTimersParams,
  CorrectPartyParams,
  NotifyParams,
  Recipient,
  ResolveTasksParams,
  ScheduleParams,
  StopContactParams,
  StopEmailParams,
} from '../../machines/case/effects.js';
import type { EventCommit, LinkPurpose, NewLink, NewNotice, NewTimer } from '../store/store.js';
import { addDuration, toInstant, type Delays } from './timing.js';

interface ActionLike {
  type: string;
  params?: unknown;
}

type Parties = Partial<Record<'victim' | 'offender', { email?: string } | undefined>>;

export const noEmailAddress = 'No email address on record: contact this person another way.';

/** Derives a link token's stored hash from the link's id (see src/links/linkTokens.ts). */
export type LinkHasher = (linkId: string) => string;

/**
 * The links an email to a party carries: a way to answer where an answer is
 * asked for, and a way to withdraw consent in every later email while the case is open.
 */
function linkPurposes(template: string, caseOpen: boolean): LinkPurpose[] {
  const withdrawal: LinkPurpose[] = caseOpen ? ['withdrawal'] : [];
  switch (template) {
    case 'victim_invitation':
    case 'invitation_reminder':
      return ['invitation'];
    case 'withdrawal_confirmation':
      return [];
    case 'feedback_request':
      return ['feedback', ...withdrawal];
    default:
      return withdrawal;
  }
}

/**
 * Turns the effects the chart returned into rows to commit with the state
 * change. Parties who have withdrawn get nothing more (their own withdrawal
 * confirmation excepted, as it is decided before the withdrawal takes effect);
 * nor does a party who withdrew consent to email contact, or, for a feedback
 * request, to being asked for feedback (as the event leaves their consent).
 */
export function effectsToRows(
  actions: readonly ActionLike[],
  before: CaseContext,
  after: CaseContext,
  parties: Parties,
  at: string,
  delays: Delays,
  linkHash: LinkHasher,
): Pick<EventCommit, 'timers' | 'cancelTimerKeys' | 'stopContactWith' | 'notices' | 'links' | 'resolveTasks' | 'correctParty'> {
  const timers: NewTimer[] = [];
  const cancelTimerKeys: string[] = [];
  const stopContactWith: string[] = [];
  const notices: NewNotice[] = [];
  const links: NewLink[] = [];
  let resolveTasks: ResolveTasksParams | undefined;
  let correctParty: CorrectPartyParams | undefined;
  const linksExpireAt = addDuration(at, delays.invitationExpiry);

  // Notice and link ids are time-ordered (UUIDv7), so new rows land at the end of their indexes instead of on a random page.
  const notice = (template: string, recipient: string, data: Record<string, unknown>, email: string | undefined | null) => {
    const id = timeOrderedId();
    // Failed at once; the store opens the facilitators' task for it in the same transaction.
    if (email === undefined) return void notices.push({ id, template, recipient, data, status: 'failed', lastError: noEmailAddress });
    notices.push({ id, template, recipient, data, status: 'queued' });
    if (recipient !== 'victim' && recipient !== 'offender') return;
    for (const purpose of linkPurposes(template, after.stage !== 'closed')) {
      const linkId = timeOrderedId();
      links.push({ id: linkId, tokenHash: linkHash(linkId), noticeId: id, party: recipient, purpose, expiresAt: linksExpireAt });
    }
  };

  for (const action of actions) {
    switch (action.type) {
      case 'notify': {
        const { template, to, data = {} } = action.params as NotifyParams;
        for (const r of to) {
          if (!consentsTo(template, r, after)) continue;
          expandRecipient(r, before, after, parties, (recipient, email) => notice(template, recipient, data, email));
        }
        break;
      }
      case 'schedule':
        for (const t of (action.params as ScheduleParams).timers) {
          const dueAt = t.at ? toInstant(t.at) : addDuration(at, delays[t.delay!]);
          timers.push({ key: t.key, event: t.event, dueAt, whilePaused: t.whilePaused === true });
        }
        break;
      case 'cancelTimers':
        cancelTimerKeys.push(...(action.params as CancelTimersParams).keys);
        break;
      case 'stopContact': {
        const { party } = action.params as StopContactParams;
        stopContactWith.push(party, ...before.supporters.filter((s) => s.party === party).map((s) => `supporter:${s.id}`));
        break;
      }
      case 'stopEmail':
        stopContactWith.push((action.params as StopEmailParams).party);
        break;
      case 'correctParty':
        correctParty = action.params as CorrectPartyParams;
        break;
      case 'resolveTasks': {
        const { taskIds, note } = action.params as ResolveTasksParams;
        resolveTasks = { taskIds: [...(resolveTasks?.taskIds ?? []), ...taskIds], note };
        break;
      }
      default:
        throw new Error(`the engine does not know the effect ${action.type}`);
    }
  }
  return { timers, cancelTimerKeys, stopContactWith, notices, links, ...(resolveTasks ? { resolveTasks } : {}), ...(correctParty ? { correctParty } : {}) };
}

/** Whether a party's consent lets this email go to them: none without email contact, no feedback request without consent to it. */
function consentsTo(template: string, r: Recipient, after: CaseContext): boolean {
  if (r !== 'victim' && r !== 'offender') return true;
  return !hasWithdrawn(after, r, 'emailContact') && !(template === 'feedback_request' && hasWithdrawn(after, r, 'feedback'));
}

/** Staff recipients are resolved to people at send time; `null` marks "no address needed here". */
function expandRecipient(
  r: Recipient,
  before: CaseContext,
  after: CaseContext,
  parties: Parties,
  add: (recipient: string, email: string | undefined | null) => void,
) {
  if (r === 'facilitators' || r === 'supervisors') return add(r, null);
  if (r === 'supporters') {
    for (const s of after.supporters) if (!before[s.party].withdrawn) add(`supporter:${s.id}`, s.email);
    return;
  }
  if (!before[r].withdrawn) add(r, parties[r]?.email);
}
