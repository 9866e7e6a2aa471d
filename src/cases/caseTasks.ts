import { isStaffRecipient, type NoticeRecord } from '../store/store.js';

/** Work the case asks of its facilitator that no event records yet. */
export interface CaseTask {
  kind: 'notice_undeliverable';
  text: string;
  noticeId: string;
  template: string;
  to: string;
  lastError: string | null;
  since: string;
}

/** A notice that could not be delivered to a party is a task: reach them another way. */
export function noticeTasks(notices: NoticeRecord[]): CaseTask[] {
  return notices
    .filter((n) => n.status === 'failed' && !isStaffRecipient(n.recipient))
    .map((n) => ({
      kind: 'notice_undeliverable',
      text: `The ${n.template.replaceAll('_', ' ')} email to the ${n.recipient.replace(/:.*/, '')} could not be delivered. Contact them another way.`,
      noticeId: n.id,
      template: n.template,
      to: n.recipient,
      lastError: n.lastError,
      since: n.createdAt,
    }));
}
