import { currentMachineVersion, migrateCase, restoreCase, type MachineVersion } from '../../machines/case/index.js';
import type { Logger } from '../logger.js';
import type { CaseRecord, Decision, Store } from '../store/store.js';
import type { Clock } from './caseEngine.js';
import { stateString } from './caseView.js';
import type { CaseSummary } from './caseSummary.js';
import { snapshotColumns } from './snapshotColumns.js';

export interface MigrationReport {
  toVersion: number;
  moved: { caseId: string; reference: string; fromVersion: number; state: string }[];
  /** Cases left on their version: a state they are in, or remember, has no home in the next chart. */
  stayed: { caseId: string; reference: string; fromVersion: number; homeless: string[] }[];
}

type Plan =
  | { ok: true; persisted: unknown; version: MachineVersion; from: string; to: string }
  | { ok: false; homeless: string[] };

/** Where a case's snapshot lands on the current chart, one version at a time, or the states that keep it where it is. */
function plan(record: CaseRecord): Plan {
  let version = record.machineVersion as MachineVersion;
  let persisted = record.snapshot;
  while (version < currentMachineVersion) {
    const moved = migrateCase(version as Exclude<MachineVersion, typeof currentMachineVersion>, persisted);
    if (!moved.ok) return moved;
    persisted = moved.persisted;
    version = (version + 1) as MachineVersion;
  }
  const from = stateString(restoreCase(record.machineVersion, record.snapshot).value);
  // Restoring on the new chart proves the mapped snapshot is one it can run.
  const to = stateString(restoreCase(version, persisted).value);
  return { ok: true, persisted, version, from, to };
}

/**
 * Moves cases in flight to the current machine version. Each move is one
 * commit through the same transaction as any event: the new snapshot and a
 * MACHINE_MIGRATED history row (from version → to version) together, or neither.
 * Closed cases stay on the version they closed on; nothing more happens to them.
 */
export function createCaseMigration({ store, clock, logger }: { store: Store; clock: Clock; logger: Logger }) {
  async function migrateOne(caseId: string, dryRun: boolean, report: MigrationReport) {
    const decide = (current: CaseRecord | undefined): Decision<'unchanged'> => {
      if (!current || current.status === 'closed' || current.machineVersion >= currentMachineVersion) return { kind: 'reject', refusal: 'unchanged' };
      const planned = plan(current);
      const entry = { caseId: current.id, reference: current.reference, fromVersion: current.machineVersion };
      if (!planned.ok) {
        report.stayed.push({ ...entry, homeless: planned.homeless });
        return { kind: 'reject', refusal: 'unchanged' };
      }
      report.moved.push({ ...entry, state: planned.to });
      if (dryRun) return { kind: 'reject', refusal: 'unchanged' };
      const after = restoreCase(planned.version, planned.persisted);
      return {
        kind: 'commit',
        commit: {
          next: { ...snapshotColumns(planned.version, after, current.summary as CaseSummary | null), facilitatorIds: current.facilitatorIds, machineVersion: planned.version },
          history: {
            type: 'MACHINE_MIGRATED',
            actor: { kind: 'system', role: 'system' },
            at: clock().toISOString(),
            from: planned.from,
            to: planned.to,
            data: { fromVersion: current.machineVersion, toVersion: planned.version },
          },
          timers: [],
          cancelTimerKeys: [],
          stopContactWith: [],
          notices: [],
          links: [],
        },
      };
    };
    if (dryRun) decide(await store.caseById(caseId));
    else await store.commitEvent(caseId, undefined, decide);
  }

  /** Every active case below the current version; a dry run reports the same without writing anything. */
  async function migrateAll({ dryRun }: { dryRun: boolean }): Promise<MigrationReport> {
    const report: MigrationReport = { toVersion: currentMachineVersion, moved: [], stayed: [] };
    for (const id of await store.casesBelowVersion(currentMachineVersion)) await migrateOne(id, dryRun, report);
    if (!dryRun && (report.moved.length || report.stayed.length)) {
      logger.info({ moved: report.moved.length, stayed: report.stayed.length, toVersion: report.toVersion }, 'cases moved to the current machine version');
    }
    return report;
  }

  return { migrateAll };
}

export type CaseMigration = ReturnType<typeof createCaseMigration>;

/** The report as the CLI prints it. */
export function describeMigration(report: MigrationReport, dryRun: boolean): string[] {
  const verb = dryRun ? 'would move' : 'moved';
  return [
    `${report.moved.length} case(s) ${verb} to machine v${report.toVersion}${dryRun ? ' (dry run: nothing was changed)' : ''}`,
    ...report.moved.map((m) => `  ${m.reference} v${m.fromVersion} → v${report.toVersion}: ${m.state}`),
    `${report.stayed.length} case(s) stay on their version`,
    ...report.stayed.map((s) => `  ${s.reference} v${s.fromVersion}: no home in v${report.toVersion} for ${s.homeless.join(', ')}`),
  ];
}
