import type { Flags } from '../../machines/case/context.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { clockDueAt, summarise } from './caseSummary.js';

/**
 * Builds the summary of every case made before summaries were kept, from its
 * history alone (the summary is a fold over it). Run at start-up; once every case
 * has one, it finds none and costs one indexed read.
 */
export async function rebuildMissingSummaries({ store, logger }: { store: Store; logger: Logger }): Promise<number> {
  let built = 0;
  for (;;) {
    const cases = await store.casesWithoutSummary(500);
    if (cases.length === 0) break;
    for (const record of cases) {
      const { summary, stays } = summarise(record.createdAt, (record.referral.flags ?? {}) as Flags, await store.history(record.id));
      await store.saveSummary(record.id, { value: summary }, stays, clockDueAt(summary));
      built++;
    }
  }
  if (built) logger.info({ cases: built }, 'case summaries built from their histories');
  return built;
}
