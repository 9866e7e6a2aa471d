import { join } from 'node:path';
import type { Services } from '../../../src/services.js';
import { addBenchStaff, benchServices, callerFor, inParallel, openCases, type BenchStaff } from '../fixtures.js';
import type { Sizes } from '../options.js';
import { figure, type SectionResult } from '../report.js';
import { perSecond, round } from '../stats.js';
import { caseScript, casesFor, eventStream, type StreamItem } from '../workload.js';
import { insertBaseline } from './insertBaseline.js';

/** Cases walked side by side; well above the concurrency, so a case never has two events in flight. */
const window = 64;

interface Tally {
  count: number;
  ms: number;
  cpuMs: number;
  failures: number;
}

const tally = (): Tally => ({ count: 0, ms: 0, cpuMs: 0, failures: 0 });

/** Adds one timed run (wall and CPU time of this process) to a tally. */
async function measure(into: Tally, count: number, work: () => Promise<number> | number) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  into.failures += await work();
  into.ms += performance.now() - start;
  const used = process.cpuUsage(cpu);
  into.cpuMs += (used.user + used.system) / 1000;
  into.count += count;
}

/** Sends the next `count` events of a stream through the engine with `concurrency` in flight; returns the failures. */
async function drive(services: Services, staff: BenchStaff, stream: Iterator<StreamItem>, count: number, concurrency: number) {
  let failures = 0;
  await inParallel(count, concurrency, async () => {
    const next = stream.next();
    if (next.done) throw new Error('the event stream ran dry: open more cases');
    const { caseId, body, sender, key } = next.value;
    const result = await services.engine.submit({ caseId, body, caller: callerFor(staff[sender]), idempotencyKey: key });
    if (result.kind !== 'ok') failures++;
  });
  return failures;
}

/**
 * Section 1: events per second through the whole engine step, in process,
 * against one durable single-row insert per transaction on the same disk.
 */
export async function engineBench(sizes: Sizes['engine'], workDir: string): Promise<SectionResult> {
  const services = await benchServices(join(workDir, 'engine.sqlite'));
  const baseline = insertBaseline(join(workDir, 'baseline.sqlite'));
  try {
    const staff = await addBenchStaff(services);
    const script = caseScript(1);
    const warmup = Math.ceil(sizes.serialEvents / 2);
    const serialStream = eventStream(
      await openCases(services, staff, casesFor(warmup + sizes.rounds * sizes.serialEvents, script, window)),
      script,
      window,
    );
    const concurrentStream = eventStream(
      await openCases(services, staff, casesFor(sizes.rounds * sizes.concurrentEvents, script, window)),
      script,
      window,
    );

    // Let the JIT settle before anything is timed.
    baseline.run(warmup);
    await drive(services, staff, serialStream, warmup, 1);

    const totals = { baseline: tally(), serial: tally(), concurrent: tally() };
    for (let r = 0; r < sizes.rounds; r++) {
      await measure(totals.baseline, sizes.baselineInserts, () => {
        baseline.run(sizes.baselineInserts);
        return 0;
      });
      await measure(totals.serial, sizes.serialEvents, () => drive(services, staff, serialStream, sizes.serialEvents, 1));
      await measure(totals.concurrent, sizes.concurrentEvents, () =>
        drive(services, staff, concurrentStream, sizes.concurrentEvents, sizes.concurrency),
      );
    }

    const rate = (t: Tally) => perSecond(t.count, t.ms);
    const cpuPerItem = (t: Tally) => round((t.cpuMs / t.count) * 1000, 1);
    const failures = totals.serial.failures + totals.concurrent.failures;
    return {
      figures: [
        figure({
          name: 'engine events/s, 1 in flight (one commit each)',
          value: rate(totals.serial),
          baseline: rate(totals.baseline),
          unit: '/s',
          // No target: alone, an event pays a whole durable commit of its ~8 rows against the baseline's one.
          note: 'baseline: one single-row insert per IMMEDIATE transaction; the target applies to the group-commit figure',
        }),
        figure({
          name: `engine events/s, ${sizes.concurrency} in flight (group commit)`,
          value: rate(totals.concurrent),
          baseline: rate(totals.baseline),
          unit: '/s',
          target: { on: 'ratio', op: '>=', limit: 0.6 },
        }),
        figure({ name: 'engine CPU per event', value: cpuPerItem(totals.serial), baseline: cpuPerItem(totals.baseline), unit: 'µs' }),
        figure({ name: 'engine events refused', value: failures, unit: '', target: { on: 'value', op: '<=', limit: 0 } }),
      ],
      details: { sizes, scriptLength: script.length, window, totals, mix: 'ADD_NOTE after every transition but the last' },
    };
  } finally {
    services.store.close();
    baseline.close();
  }
}
