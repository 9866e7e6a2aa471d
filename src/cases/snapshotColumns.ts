import { caseStatus, persistCase, type CaseSnapshot } from '../../machines/case/index.js';
import type { CaseRecord } from '../store/store.js';
import { clockDueAt, type CaseSummary } from './caseSummary.js';

/**
 * What a case row keeps of a snapshot: the snapshot itself, and the columns read
 * without it (stage, status, pause, clocks, and what dashboards filter on).
 */
export function snapshotColumns(
  version: number,
  snapshot: CaseSnapshot,
  summary: CaseSummary | null,
): Pick<CaseRecord, 'stage' | 'status' | 'paused' | 'clocks' | 'oversight' | 'snapshot'> {
  const { stage, status, paused, clocks } = caseStatus(snapshot);
  const c = snapshot.context;
  const waitingFor = snapshot.matches('closing') ? 'closure_sign_off' : snapshot.matches({ open: { riskAssessment: 'awaitingApproval' } }) ? 'risk_approval' : null;
  return {
    stage,
    status,
    paused,
    clocks,
    oversight: {
      waitingFor,
      pausedUntil: paused ? (c.pause?.until ?? null) : null,
      itemsOverdue: c.agreement.filter((i) => i.status === 'pending' && i.overdue).length,
      process: c.process,
      closureReason: c.closureReason,
      clockDueAt: clockDueAt(summary),
    },
    snapshot: persistCase(version, snapshot),
  };
}
