import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The test files that take longest (seconds in a clean-clone CI run on 2 cores, where vitest has no cache of
 * earlier durations): started first, in both projects at once, so that none of them starts last and holds the
 * run open alone. The rest keep vitest's own order. A file missing here only loses its head start.
 */
const slowest: Record<string, number> = {
  'test/durability/machineMigration.test.ts': 134,
  'test/cli/cli.test.ts': 123,
  'test/bench/benchSmoke.test.ts': 120,
  'test/browser/staffJourneys.test.ts': 106,
  'test/web/staffOffer.test.ts': 105,
  'test/browser/staffAccessibility.test.ts': 96,
  'test/browser/accessibility.test.ts': 73,
  'test/cli/operations.test.ts': 59,
  'test/durability/instancesKilled.test.ts': 56,
  'test/browser/accountAccessibility.test.ts': 53,
  'test/api/allowedEvents.test.ts': 50,
  'test/access/accessMatrix.test.ts': 48,
  'test/browser/oversightAccessibility.test.ts': 41,
  'test/store/contract/claims.test.ts': 36,
  'test/security/twoFactorSignIn.test.ts': 35,
  'test/browser/respondFlows.test.ts': 33,
  'test/fuzz/api.test.ts': 32,
  'test/privacy/retentionAccessibility.test.ts': 30,
  'test/cluster/cluster.test.ts': 25,
};

export class HeavyFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const weight = (f: TestSpecification) => slowest[relative(this.ctx.config.root, f.moduleId).replaceAll('\\', '/')] ?? 0;
    // Array.prototype.sort is stable: files of equal weight keep the order vitest gave them.
    return ordered.sort((a, b) => weight(b) - weight(a));
  }
}
