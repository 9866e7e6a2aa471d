import { actorOf, canSee, mayManagePersonalData, type StaffCaller } from '../access.js';
import type { Clock } from '../cases/caseEngine.js';
import { notFound, ok, type Outcome, type Refused } from '../cases/outcomes.js';
import type { CaseRecord, Store } from '../store/store.js';
import { buildSubjectAccessExport, type ExportFormat, type Party, type SubjectAccessExport } from './subjectAccessExport.js';

export const subjectAccessRefusal = 'Only a supervisor can produce a subject access export.';

const forbidden: Refused = { kind: 'forbidden', message: subjectAccessRefusal, reasons: [{ rule: 'role', message: subjectAccessRefusal }] };

type SubjectAccessStore = Pick<Store, 'caseById' | 'history' | 'notices' | 'feedback' | 'usersByIds' | 'recordEntry'>;

/**
 * Subject access exports, for the pages and the API alike: who may produce one (a supervisor, on a
 * case they can see), the record of it in the case's history, and the export itself.
 */
export function createSubjectAccess({ store, clock, service }: { store: SubjectAccessStore; clock: Clock; service: string }) {
  /** The case, if the caller may produce its exports: a case they cannot see is not found; one they see but may not export from is refused. */
  async function caseFor(caseId: string, caller: StaffCaller): Promise<Outcome<CaseRecord>> {
    const record = await store.caseById(caseId);
    if (!record || !canSee(caller, record)) return notFound;
    if (!mayManagePersonalData(caller)) return forbidden;
    return ok(record);
  }

  /**
   * Records the export in the case's history (at the case's current state: it moves nothing), then
   * builds it from the case as stored, so the export lists itself among the entries about the subject.
   * The case is one `caseFor` gave this caller.
   */
  async function produce(record: CaseRecord, party: Party, format: ExportFormat, caller: StaffCaller): Promise<SubjectAccessExport> {
    const at = clock().toISOString();
    await store.recordEntry(record.id, { type: 'SUBJECT_ACCESS_EXPORTED', actor: actorOf(caller), at, data: { party, format } });
    const [history, notices, feedback] = await Promise.all([store.history(record.id), store.notices(record.id), store.feedback(record.id)]);
    const staffIds = new Set([
      ...record.facilitatorIds,
      ...history.flatMap((h) => (h.actor.id ? [h.actor.id] : [])),
      ...history.flatMap((h) => (Array.isArray(h.data.facilitatorIds) ? (h.data.facilitatorIds as string[]) : [])),
    ]);
    const staff = (await store.usersByIds([...staffIds])).map((u) => ({ name: u.name, email: u.email }));
    return buildSubjectAccessExport({ record, history, notices, feedback, staff }, party, { at, format, service });
  }

  return { caseFor, produce };
}

export type SubjectAccess = ReturnType<typeof createSubjectAccess>;
