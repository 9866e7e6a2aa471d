import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { mayRecordSupervision, type StaffCaller } from '../access.js';
import { londonDate } from '../calendar/londonTime.js';
import { invalid, ok, type Outcome } from '../cases/outcomes.js';
import { toIssues } from '../cases/validation.js';
import type { Store, SupervisionRecord } from '../store/store.js';

/**
 * Case supervision for practitioners: RJ practitioners must have case supervision
 * at least every 12 weeks. A supervisor records each session; the dashboard shows
 * whose is due (within the last two weeks of the interval) or overdue.
 */
export const supervisionIntervalDays = 12 * 7;
export const supervisionDueWithinDays = 14;

const dayMs = 86_400_000;
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * dayMs).toISOString().slice(0, 10);

export type SupervisionStatus = { status: 'never' } | { status: 'overdue' | 'due' | 'upToDate'; lastHeldOn: string; nextBy: string };

/** Where a practitioner stands, from the date of their latest session and today's date (London). */
export function supervisionStatus(lastHeldOn: string | undefined, today: string): SupervisionStatus {
  if (!lastHeldOn) return { status: 'never' };
  const nextBy = addDays(lastHeldOn, supervisionIntervalDays);
  const status = nextBy < today ? 'overdue' : addDays(today, supervisionDueWithinDays) >= nextBy ? 'due' : 'upToDate';
  return { status, lastHeldOn, nextBy };
}

/** The session's fields; the date may not be in the future (checked against today when it is recorded). */
export const supervisionSession = z.strictObject({
  facilitatorId: z.string({ error: 'Select the practitioner who was supervised' }).min(1, 'Select the practitioner who was supervised').max(100),
  heldOn: z.iso.date({ error: 'Enter the date of the session as a real date' }),
  note: z.string({ error: 'Enter a note of the session' }).trim().min(1, 'Enter a note of the session').max(5000, 'The note must be 5,000 characters or fewer'),
});

/** Records a supervision session for an active facilitator; refused to anyone but a supervisor. */
export async function recordSupervision(store: Store, input: unknown, caller: StaffCaller, now: Date): Promise<Outcome<SupervisionRecord>> {
  if (!mayRecordSupervision(caller)) return { kind: 'forbidden', message: 'Only supervisors record supervision sessions.', reasons: [{ rule: 'role', message: 'Only supervisors record supervision sessions.' }] };
  const parsed = supervisionSession.safeParse(input);
  if (!parsed.success) return invalid(toIssues(parsed.error));
  const { facilitatorId, heldOn, note } = parsed.data;
  const issues = [
    ...(heldOn > londonDate(now.toISOString()) ? [{ path: 'heldOn', message: 'The date of the session must be today or in the past' }] : []),
    ...((await store.activeFacilitators()).some((f) => f.id === facilitatorId) ? [] : [{ path: 'facilitatorId', message: 'Select the practitioner who was supervised' }]),
  ];
  if (issues.length) return invalid(issues);
  const record: SupervisionRecord = { id: randomUUID(), facilitatorId, heldOn, note, recordedBy: caller.id, recordedAt: now.toISOString() };
  await store.addSupervision(record);
  return ok(record);
}
