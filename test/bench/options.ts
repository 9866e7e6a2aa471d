import { join } from 'node:path';

export type Mode = 'full' | 'quick' | 'smoke';

export interface Sizes {
  engine: {
    /** Rounds alternate baseline, serial engine and concurrent engine runs, so disk-speed drift hits all three alike. */
    rounds: number;
    baselineInserts: number;
    serialEvents: number;
    concurrentEvents: number;
    concurrency: number;
  };
  http: { cases: number; connections: number; warmupShare: number };
  scale: { cases: number; events: number; facilitators: number; bigCaseload: number; samples: number; startups: number; verifications: number };
  /**
   * The staff pages over HTTP, signed in through the form, on a database seeded as the scale section's
   * (`cases`, `events`, `facilitators`, one of whom holds `bigCaseload`): `samples` loads of each page,
   * `roundTrips` form GET + POST + redirect rounds.
   */
  pages: { cases: number; events: number; facilitators: number; bigCaseload: number; samples: number; roundTrips: number };
  /**
   * The supervisors' oversight reads, through the store, on a database seeded as the scale section's: `reportRuns`
   * commissioner reports of each period (a quarter, every case), `samples` reads of the dashboard's counts, the
   * facilitators' caseloads and the first page of each of the dashboard's lists.
   */
  reports: { cases: number; events: number; facilitators: number; bigCaseload: number; samples: number; reportRuns: number };
  mail: { notices: number };
  /** Sweeps with `due` timers due, `sweeps` times for each number pending: few-due sweeps are short, so they get more samples. */
  deadlines: { pending: number[]; due: { due: number; sweeps: number }[] };
}

const sizes: Record<Mode, Sizes> = {
  full: {
    engine: { rounds: 5, baselineInserts: 2000, serialEvents: 2000, concurrentEvents: 4000, concurrency: 16 },
    http: { cases: 1500, connections: 16, warmupShare: 0.1 },
    scale: { cases: 100_000, events: 2_000_000, facilitators: 50, bigCaseload: 10_000, samples: 300, startups: 3, verifications: 3 },
    pages: { cases: 100_000, events: 2_000_000, facilitators: 50, bigCaseload: 10_000, samples: 300, roundTrips: 300 },
    reports: { cases: 100_000, events: 2_000_000, facilitators: 50, bigCaseload: 10_000, samples: 200, reportRuns: 20 },
    mail: { notices: 1000 },
    deadlines: { pending: [100_000, 1_000_000], due: [{ due: 10, sweeps: 25 }, { due: 1000, sweeps: 3 }] },
  },
  quick: {
    engine: { rounds: 3, baselineInserts: 500, serialEvents: 500, concurrentEvents: 1000, concurrency: 16 },
    http: { cases: 500, connections: 16, warmupShare: 0.1 },
    scale: { cases: 10_000, events: 200_000, facilitators: 20, bigCaseload: 2_000, samples: 100, startups: 1, verifications: 3 },
    pages: { cases: 10_000, events: 200_000, facilitators: 20, bigCaseload: 2_000, samples: 100, roundTrips: 100 },
    reports: { cases: 10_000, events: 200_000, facilitators: 20, bigCaseload: 2_000, samples: 100, reportRuns: 10 },
    mail: { notices: 1000 },
    deadlines: { pending: [10_000, 100_000], due: [{ due: 10, sweeps: 9 }, { due: 200, sweeps: 3 }] },
  },
  smoke: {
    engine: { rounds: 1, baselineInserts: 50, serialEvents: 50, concurrentEvents: 100, concurrency: 4 },
    http: { cases: 20, connections: 4, warmupShare: 0.1 },
    scale: { cases: 300, events: 6_000, facilitators: 3, bigCaseload: 100, samples: 10, startups: 1, verifications: 1 },
    pages: { cases: 300, events: 6_000, facilitators: 3, bigCaseload: 100, samples: 10, roundTrips: 5 },
    reports: { cases: 300, events: 6_000, facilitators: 3, bigCaseload: 100, samples: 10, reportRuns: 3 },
    mail: { notices: 20 },
    deadlines: { pending: [1_000, 5_000], due: [{ due: 2, sweeps: 2 }, { due: 10, sweeps: 1 }] },
  },
};

export interface Options {
  mode: Mode;
  sizes: Sizes;
  /** Where the JSON report goes; the scratch databases live in a subfolder and are removed afterwards. */
  outDir: string;
  /** Sections to run; all when empty. */
  only: string[];
}

const usage = 'usage: npm run bench [-- --quick | --smoke] [--out-dir <dir>] [--only <section,...>] [--store postgres]';

export function parseOptions(argv: string[]): Options {
  let mode: Mode = 'full';
  let outDir = join(process.cwd(), 'data');
  let only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') mode = 'quick';
    else if (arg === '--smoke') mode = 'smoke';
    else if (arg === '--out-dir' && argv[i + 1]) outDir = argv[++i]!;
    else if (arg === '--only' && argv[i + 1]) only = argv[++i]!.split(',');
    // The other sections measure the embedded default; this one runs the app on each store (test/bench/stores/).
    else if (arg === '--store' && argv[i + 1] === 'postgres' && ++i) only = ['stores'];
    else throw new Error(`unknown argument ${arg}\n${usage}`);
  }
  return { mode, sizes: sizes[mode], outDir, only };
}
