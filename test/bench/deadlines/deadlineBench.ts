import { join } from 'node:path';
import type { Sizes } from '../options.js';
import { figure, type Figure, type SectionResult } from '../report.js';
import { median, round, timed } from '../stats.js';
import { timerFixture, type TimerFixture } from './timerFixture.js';

/** The scheduler's own batch size: one query returns at most this many due timers. */
const batch = 200;

const count = (n: number) => n.toLocaleString('en-GB');

/**
 * Section 5: the cost of one scheduler sweep with few or many timers due among
 * many or very many pending. Sweeps on the different databases alternate, so
 * disk-speed drift affects every combination alike.
 */
export async function deadlineBench(sizes: Sizes['deadlines'], workDir: string): Promise<SectionResult> {
  const fireable = sizes.due.reduce((sum, { due, sweeps }) => sum + due * sweeps, 0);
  const fixtures: TimerFixture[] = [];
  try {
    for (const pending of sizes.pending) fixtures.push(await timerFixture(join(workDir, `timers-${pending}.sqlite`), pending, fireable));

    const sweepMs = new Map<string, number[]>();
    const queryMs = new Map<string, number[]>();
    const record = (into: Map<string, number[]>, key: string, ms: number) => into.set(key, [...(into.get(key) ?? []), ms]);
    for (const { due, sweeps } of sizes.due) {
      for (let r = 0; r < sweeps; r++) {
        for (const f of fixtures) {
          f.makeDue(due);
          const now = f.clock().toISOString();
          const query = await timed(() => f.services.store.dueTimers(now, batch));
          const sweep = await timed(() => f.services.scheduler.sweep());
          if (sweep.value !== due) throw new Error(`a sweep fired ${sweep.value} timers, expected ${due}`);
          record(queryMs, `${f.pending}/${due}`, query.ms);
          record(sweepMs, `${f.pending}/${due}`, sweep.ms);
        }
      }
    }

    const ms = (pending: number, due: number) => median(sweepMs.get(`${pending}/${due}`)!);
    const [fewest, most] = [sizes.pending[0]!, sizes.pending.at(-1)!];
    const [minDue, maxDue] = [sizes.due[0]!.due, sizes.due.at(-1)!.due];
    const figures: Figure[] = [];
    for (const pending of sizes.pending) {
      for (const { due } of sizes.due) {
        const name = `sweep, ${count(due)} due among ${count(pending)} pending (median)`;
        if (pending === fewest) {
          // Against the fewest due: this ratio should follow the number due.
          figures.push(figure({ name, value: ms(pending, due), unit: 'ms', ...(due !== minDue ? { baseline: ms(pending, minDue) } : {}) }));
        } else {
          // Against the same number due among fewer pending: this ratio should stay near 1.
          figures.push(figure({ name, value: ms(pending, due), baseline: ms(fewest, due), unit: 'ms', target: { on: 'ratio', op: '<=', limit: 1.5 } }));
        }
      }
    }
    figures.push(
      figure({
        name: 'sweep cost per due timer',
        value: ((ms(most, maxDue) - ms(most, minDue)) / (maxDue - minDue)) * 1000,
        unit: 'µs',
      }),
    );
    const medians = (m: Map<string, number[]>) => Object.fromEntries([...m].map(([k, v]) => [k, round(median(v), 3)]));
    return {
      figures,
      details: {
        sizes,
        note: 'keys are "pending/due"; a sweep fires each due timer through the engine; the timers of a sweep share group commits',
        sweepMedianMs: medians(sweepMs),
        dueQueryMedianMs: medians(queryMs),
      },
    };
  } finally {
    for (const f of fixtures) f.close();
  }
}
