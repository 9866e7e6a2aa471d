import { z } from 'zod';
import { canSee, mayManagePersonalData, type StaffCaller, actorOf } from '../access.js';
import type { Clock } from '../cases/caseEngine.js';
import { invalid, notFound, ok, type Outcome, type Refused } from '../cases/outcomes.js';

import { toIssues } from '../cases/validation.js';
import type { Logger } from '../logger.js';
import { pruneCapturedMail } from '../mail/mailCapture.js';
import { periodicTask } from '../periodicTask.js';
import type { CaseRecord, RetentionRecord, Store } from '../store/store.js';
import { erasureBases, retentionBasis } from './lawfulBases.js';
import { isDeclinedReferral, retainUntil, type RetentionPolicy } from './retentionPolicy.js';

const dayMs = 24 * 60 * 60 * 1000;
/** Captured mail (a demo's or a developer's, never production's) is kept for 30 days. */
const capturedMailDays = 30;
/** How far ahead supervisors see the cases coming up for anonymisation. */
export const upcomingDays = 30;

const reasonText = z.string({ error: 'must be text' }).trim().min(1, { error: 'must not be empty' }).max(2000, { error: 'must be 2,000 characters or fewer' });

export const erasureSchema = z.strictObject({
  party: z.enum(['victim', 'offender'], { error: 'choose whose personal data to erase' }),
  basis: z.enum(Object.keys(erasureBases) as [keyof typeof erasureBases], { error: 'choose the lawful reason for the erasure' }),
  note: reasonText.optional(),
});

export const holdSchema = z.strictObject({ reason: reasonText });

const forbidden: Refused = { kind: 'forbidden', message: 'Only a supervisor can manage a case’s personal data.', reasons: [] };

/**
 * What supervisors do with a case's personal data, and the daily sweep that
 * anonymises closed cases past their retention date. Every step is one store
 * transaction with the history entry that records it.
 */
export function createPrivacyService(deps: { store: Store; clock: Clock; logger: Logger; policy: RetentionPolicy; mailDir?: string }) {
  const { store, clock, logger, policy } = deps;

  async function visibleCase(caseId: string, caller: StaffCaller): Promise<{ record: CaseRecord } | { refused: Refused }> {
    if (!mayManagePersonalData(caller)) return { refused: forbidden };
    const record = await store.caseById(caseId);
    return record && canSee(caller, record) ? { record } : { refused: notFound };
  }

  /** Erases one party's personal content on request, with its lawful reason; the coded record stays. */
  async function erase(caseId: string, body: unknown, caller: StaffCaller): Promise<Outcome<{ erasedEntries: number }>> {
    const found = await visibleCase(caseId, caller);
    if ('refused' in found) return found.refused;
    const parsed = erasureSchema.safeParse(body);
    if (!parsed.success) return invalid(toIssues(parsed.error));
    const { party, basis, note } = parsed.data;
    const at = clock().toISOString();
    // The case's captured mail goes whole: a message to the other party or to staff may carry the case-wide text erased here.
    const noticeIds = (await store.notices(caseId)).map((n) => n.id);
    const erased = await store.erasePersonalData({ caseId, party, basis, ...(note ? { note } : {}), actor: actorOf(caller), at });
    if (!erased) return notFound;
    removeCapturedMail(caseId, noticeIds);
    await store.purgeFreedPages();
    logger.info({ caseId, party, basis, entries: erased.erasedSeqs.length }, 'personal data erased on request');
    return ok({ erasedEntries: erased.erasedSeqs.length });
  }

  async function setHold(caseId: string, body: unknown, caller: StaffCaller, place: boolean): Promise<Outcome<null>> {
    const found = await visibleCase(caseId, caller);
    if ('refused' in found) return found.refused;
    const parsed = holdSchema.safeParse(body);
    if (!parsed.success) return invalid(toIssues(parsed.error));
    if (found.record.status !== 'closed') return invalid([{ path: 'case', message: 'only a closed case has a retention date to hold' }]);
    if (place && (await store.retention(caseId))?.anonymisedAt) return invalid([{ path: 'case', message: 'this case is already anonymised: there is nothing left to hold' }]);
    const done = await store.setHold(caseId, { reason: parsed.data.reason, actor: actorOf(caller), at: clock().toISOString(), place });
    if (!done) return invalid([{ path: 'case', message: place ? 'this case is already on hold' : 'this case is not on hold' }]);
    return ok(null);
  }

  /** Closed cases whose content is due to be anonymised within the next 30 days (and any overdue), held ones included. */
  async function upcoming(caller: StaffCaller): Promise<Outcome<RetentionRecord[]>> {
    if (!mayManagePersonalData(caller)) return forbidden;
    return ok(await store.retentionDue(new Date(clock().getTime() + upcomingDays * dayMs).toISOString()));
  }

  function removeCapturedMail(caseId?: string, noticeIds: string[] = []) {
    if (!deps.mailDir) return;
    const removed = pruneCapturedMail(deps.mailDir, { before: new Date(clock().getTime() - capturedMailDays * dayMs), noticeIds });
    if (removed) logger.info({ removed, caseId }, 'captured mail deleted');
  }

  /**
   * Gives each newly closed case its date (older ones without), then anonymises
   * every case past it and not on hold: its personal content erased, its coded
   * record kept, the anonymisation in its history.
   */
  async function sweepOnce(): Promise<{ dated: number; anonymised: string[] }> {
    const dated = await store.assignRetention((closedAt, reason, declinedAtReferral) =>
      retainUntil(policy, closedAt, isDeclinedReferral(reason, declinedAtReferral)),
    );
    const now = clock().toISOString();
    const anonymised: string[] = [];
    for (const due of await store.retentionDue(now, { held: false })) {
      const noticeIds = (await store.notices(due.caseId)).map((n) => n.id);
      await store.erasePersonalData({ caseId: due.caseId, party: 'all', basis: retentionBasis, actor: { kind: 'system', role: 'system' }, at: now });
      await store.markAnonymised(due.caseId, now);
      removeCapturedMail(due.caseId, noticeIds);
      anonymised.push(due.caseId);
    }
    if (anonymised.length === 0) removeCapturedMail();
    if (anonymised.length) await store.purgeFreedPages();
    if (dated || anonymised.length) logger.info({ dated, anonymised: anonymised.length }, 'retention sweep');
    return { dated, anonymised };
  }

  const task = periodicTask(sweepOnce, { intervalMs: dayMs, logger, name: 'anonymisation sweep' });
  return { erase, placeHold: (id: string, b: unknown, c: StaffCaller) => setHold(id, b, c, true), liftHold: (id: string, b: unknown, c: StaffCaller) => setHold(id, b, c, false), upcoming, sweep: task.once, start: task.start, stop: task.stop };
}

export type PrivacyService = ReturnType<typeof createPrivacyService>;
