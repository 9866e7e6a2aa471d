import { randomUUID } from 'node:crypto';
import type { CaseContext } from '../../machines/case/context.js';
import type { CancelTimersParams, NotifyParams, Recipient, ScheduleParams, StopContactParams } from '../../machines/case/effects.js';
import type { EventCommit, NewNotice, NewTimer } from '../store/store.js';
import { addDuration, toInstant, type Delays } from './timing.js';

interface ActionLike {
  type: string;
  params?: unknown;
}

type Parties = Partial<Record<'victim' | 'offender', { email?: string } | undefined>>;

/**
 * Turns the effects the chart returned into rows to commit with the state
 * change. Parties who have withdrawn get nothing more (their own withdrawal
 * confirmation excepted, as it is decided before the withdrawal takes effect).
 */
export function effectsToRows(
  actions: readonly ActionLike[],
  before: CaseContext,
  after: CaseContext,
  parties: Parties,
  at: string,
  delays: Delays,
): Pick<EventCommit, 'timers' | 'cancelTimerKeys' | 'stopContactWith' | 'notices'> {
  const timers: NewTimer[] = [];
  const cancelTimerKeys: string[] = [];
  const stopContactWith: string[] = [];
  const notices: NewNotice[] = [];

  const notice = (template: string, recipient: string, data: Record<string, unknown>, email: string | undefined | null) =>
    notices.push({
      id: randomUUID(),
      template,
      recipient,
      data,
      ...(email === undefined
        ? { status: 'failed' as const, lastError: 'No email address on record: contact this person another way.' }
        : { status: 'queued' as const }),
    });

  for (const action of actions) {
    switch (action.type) {
      case 'notify': {
        const { template, to, data = {} } = action.params as NotifyParams;
        for (const r of to) expandRecipient(r, before, after, parties, (recipient, email) => notice(template, recipient, data, email));
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
      default:
        throw new Error(`the engine does not know the effect ${action.type}`);
    }
  }
  return { timers, cancelTimerKeys, stopContactWith, notices };
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
