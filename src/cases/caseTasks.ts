import type { TaskRecord } from '../store/store.js';

/** A task as staff read it: what to do, and which failed notice raised it. */
export interface TaskView {
  id: string;
  kind: TaskRecord['kind'];
  text: string;
  noticeId: string;
  template: string;
  to: string;
  lastError: string | null;
  since: string;
}

/** Open tasks in words; RESOLVE_TASK {taskId, note} marks one dealt with. */
export function taskViews(tasks: TaskRecord[]): TaskView[] {
  return tasks.map((t) => ({
    id: t.id,
    kind: t.kind,
    text: `The ${t.notice.template.replaceAll('_', ' ')} email to the ${t.notice.recipient.replace(/:.*/, '')} could not be delivered. Contact them another way.`,
    noticeId: t.notice.id,
    template: t.notice.template,
    to: t.notice.recipient,
    lastError: t.notice.lastError,
    since: t.createdAt,
  }));
}
