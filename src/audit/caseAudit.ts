import type { ChainCheck, Store } from '../store/store.js';

/** Everything the audit of a case reads, with the names of the staff it mentions (actors, readers, those allocated). */
export async function caseAuditData(store: Store, caseId: string) {
  const [history, notices, views, broken] = await Promise.all([store.history(caseId), store.notices(caseId), store.views(caseId), store.brokenEntries(caseId)]);
  const ids = new Set([
    ...history.flatMap((h) => (h.actor.id ? [h.actor.id] : [])),
    ...history.flatMap((h) => (Array.isArray(h.data.facilitatorIds) ? (h.data.facilitatorIds as string[]) : [])),
    ...views.map((v) => v.userId),
  ]);
  const names = new Map((await store.usersByIds([...ids])).map((u) => [u.id, u.name]));
  return { history, notices, views, broken, names };
}

export type CaseAuditData = Awaited<ReturnType<typeof caseAuditData>>;

/** The result of checking the whole chain, with the case its first broken entry belongs to (none when rows were cut from the end). */
export interface ChainResult {
  check: ChainCheck;
  firstBroken?: { seq: number; caseId?: string; reference?: string };
}

export async function checkChain(store: Store): Promise<ChainResult> {
  const check = await store.verifyChain();
  if (check.ok || check.firstBadSeq === undefined) return { check };
  const caseId = await store.caseOfEntry(check.firstBadSeq);
  const record = caseId ? await store.caseById(caseId) : undefined;
  return { check, firstBroken: { seq: check.firstBadSeq, ...(record ? { caseId: record.id, reference: record.reference } : {}) } };
}
