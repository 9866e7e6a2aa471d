/**
 * How many requests each fuzz property sends (not a test file itself).
 *
 * `npm test` runs a quick share, so the suite stays inside its time budget; `FUZZ_RUNS=full`
 * (`npm run test:fuzz`) runs the count, at least 10,000 malformed requests per class of
 * route; a number scales the full count (`FUZZ_RUNS=0.1` a tenth of it, `FUZZ_RUNS=3` three times).
 * `FUZZ_SEED` replays a run whose seed a failure printed.
 */

const setting = (process.env.FUZZ_RUNS ?? '').trim();

function scale(): number | undefined {
  if (setting === '' || setting === 'quick') return undefined;
  if (setting === 'full') return 1;
  const n = Number(setting);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`FUZZ_RUNS must be "full", "quick" or a positive number, not ${JSON.stringify(setting)}`);
  return n;
}

const factor = scale();

/** Runs for one property: `quick` in the suite, `full` (scaled) when FUZZ_RUNS asks for more. */
export const fuzzRuns = (quick: number, full: number): number => (factor === undefined ? quick : Math.max(1, Math.round(full * factor)));

/** Whether this run is the full one (or a scaled one): files use it only to say so in their names. */
export const fuzzMode = factor === undefined ? 'quick' : `full × ${factor}`;

/** A property's time limit: the suite's own in the quick run, an hour in a full one (10,000 requests take minutes). */
export const fuzzTimeout = factor === undefined ? undefined : 60 * 60 * 1000;

const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

/** fast-check's options for a property of `numRuns` requests; the seed when FUZZ_SEED replays one. */
export const fuzzOptions = (numRuns: number) => ({ numRuns, ...(seed !== undefined && Number.isFinite(seed) ? { seed } : {}) });
