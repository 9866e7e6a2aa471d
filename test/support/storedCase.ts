import type { CaseSnapshot } from '../../machines/case/index.js';
import { startSummary } from '../../src/cases/caseSummary.js';
import { stateString } from '../../src/cases/caseView.js';
import { snapshotColumns } from '../../src/cases/snapshotColumns.js';
import type { Store } from '../../src/store/store.js';
import { sampleReferral } from './harness.js';

/**
 * Puts a case straight into the store in the state of `snapshot` (one the model paths
 * reached), as if it had got there by events: for tests that need a case in every state.
 * Its history holds only the referral, and its summary is a new case's.
 */
export async function storeCaseIn(store: Omit<Store, 'close'>, id: string, version: number, snapshot: CaseSnapshot, at: string, referral = sampleReferral({ flags: snapshot.context.flags })) {
  const summary = startSummary(at, snapshot.context.flags);
  const created = await store.createCase(
    {
      id,
      machineVersion: version,
      version: 1,
      ...snapshotColumns(version, snapshot, summary),
      referral,
      facilitatorIds: snapshot.context.facilitatorIds,
      createdAt: at,
      updatedAt: at,
    },
    { type: 'REFERRAL_RECEIVED', actor: { kind: 'user', id: 's1', role: 'supervisor' }, at, from: null, to: stateString(snapshot.value), data: {} },
    { value: summary },
  );
  if ('keyReused' in created) throw new Error('no key was given');
  return created.record;
}
