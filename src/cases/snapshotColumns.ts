import { caseStatus, persistCase, type CaseSnapshot } from '../../machines/case/index.js';
import type { CaseRecord } from '../store/store.js';

/** What a case row keeps of a snapshot: the snapshot itself and the columns read without it (stage, status, pause, clocks). */
export function snapshotColumns(version: number, snapshot: CaseSnapshot): Pick<CaseRecord, 'stage' | 'status' | 'paused' | 'clocks' | 'snapshot'> {
  const { stage, status, paused, clocks } = caseStatus(snapshot);
  return { stage, status, paused, clocks, snapshot: persistCase(version, snapshot) };
}
