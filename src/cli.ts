import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { specialisms } from '../machines/case/context.v2.js';
import { currentMachineVersion } from '../machines/case/index.js';
import { describeMigration } from './cases/caseMigration.js';
import { pino } from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { createServices, type Services } from './services.js';
import { tokenLabelSchema } from './auth/users.js';
import { isValidDuration } from './cases/timing.js';
import { DatabaseInUseError } from './store/instanceLock.js';
import { MigrationRefused, migrateStore } from './store/migrateStore.js';
import { restoreDatabase } from './store/restore.js';
import { BrokenCopyError } from './store/sqlite/audit.js';

const usage = `Usage: npm run cli -- <command>
  user add --email E --name N --role facilitator|supervisor|admin [--trained-for LIST] --password-stdin
  user train --email E --for LIST        (LIST: comma-separated ${specialisms.join(', ')}; --for none clears it)
  token create --email E [--label L] [--expires-after P90D]   (issued to any user; each issue is logged)
  cases migrate --to VERSION [--dry-run]
  audit verify
  retention sweep                         (anonymise now the closed cases past their retention date, as the daily sweep does)
  backup --to FILE                        (while the app runs; the copy is checked)
  restore --from FILE                     (with the app stopped; the database it replaces is kept beside it)
  migrate-store --from FILE --to URL      (with the app stopped: copies a SQLite database into an empty PostgreSQL one; --to defaults to DATABASE_URL)`;

const list = (value: string | undefined) => (value === undefined || value === 'none' || value === '' ? [] : value.split(',').map((s) => s.trim()));

class UsageError extends Error {}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const commands: Record<string, (s: Services, args: string[]) => Promise<number>> = {
  async 'user add'(s, args) {
    const { values } = parseArgs({
      args,
      options: {
        email: { type: 'string' },
        name: { type: 'string' },
        role: { type: 'string' },
        'trained-for': { type: 'string' },
        'password-stdin': { type: 'boolean' },
      },
    });
    if (!values['password-stdin']) throw new UsageError('pass the password on standard input with --password-stdin');
    const trainedFor = list(values['trained-for']);
    const result = await s.users.addUser({ email: values.email, name: values.name, role: values.role, trainedFor, password: await readStdin() });
    if (!result.ok) {
      for (const i of result.issues) console.error(`${i.path}: ${i.message}`);
      return 2;
    }
    console.log(result.user.id);
    return 0;
  },
  async 'user train'(s, args) {
    const { values } = parseArgs({ args, options: { email: { type: 'string' }, for: { type: 'string' } } });
    if (!values.email || values.for === undefined) throw new UsageError('name the facilitator with --email and their training with --for');
    const user = await s.store.userByEmail(values.email);
    if (!user) {
      console.error('No user has that email.');
      return 2;
    }
    const result = await s.users.setTraining(user.id, list(values.for));
    if (!result.ok) {
      for (const i of result.issues) console.error(`${i.path}: ${i.message}`);
      return 2;
    }
    console.log(`${user.email} is trained for: ${list(values.for).join(', ') || 'none'}`);
    return 0;
  },
  async 'cases migrate'(s, args) {
    const { values } = parseArgs({ args, options: { to: { type: 'string' }, 'dry-run': { type: 'boolean' } } });
    if (values.to !== String(currentMachineVersion)) throw new UsageError(`cases can move only to the current machine version, --to ${currentMachineVersion}`);
    const report = await s.migration.migrateAll({ dryRun: values['dry-run'] === true });
    for (const line of describeMigration(report, values['dry-run'] === true)) console.log(line);
    return 0;
  },
  async 'token create'(s, args) {
    const { values } = parseArgs({ args, options: { email: { type: 'string' }, label: { type: 'string' }, 'expires-after': { type: 'string' } } });
    if (!values.email) throw new UsageError('name the user with --email');
    const label = tokenLabelSchema.safeParse(values.label ?? 'Issued with the CLI');
    if (!label.success) throw new UsageError(`--label: ${label.error.issues[0]!.message}`);
    const expiresAfter = values['expires-after'] ?? s.config.apiTokenExpiresAfter;
    if (!isValidDuration(expiresAfter)) throw new UsageError('--expires-after: an ISO 8601 duration such as P90D');
    const user = await s.store.userByEmail(values.email);
    if (!user || user.disabledAt) {
      console.error('No active user has that email.');
      return 2;
    }
    console.log(await s.users.createToken(user.id, { label: label.data, expiresAfter, via: 'cli' }));
    return 0;
  },
  async 'audit verify'(s) {
    const result = await s.store.verifyChain();
    if (result.ok) {
      console.log(`ok ${result.events} events`);
      return 0;
    }
    console.error(`history is broken at event ${result.firstBadSeq} (checked ${result.events} events)`);
    return 1;
  },
  async 'retention sweep'(s) {
    const { dated, anonymised } = await s.privacy.sweep();
    console.log(`${dated} closed case${dated === 1 ? '' : 's'} given a retention date; ${anonymised.length} anonymised`);
    return 0;
  },
  async backup(s, args) {
    const { values } = parseArgs({ args, options: { to: { type: 'string' } } });
    if (!values.to) throw new UsageError('name the backup file with --to');
    if (!s.backup) {
      console.error('backup copies the SQLite file; a PostgreSQL database is backed up with its own tools (pg_dump, or continuous archiving): see the README.');
      return 2;
    }
    await s.backup(values.to);
    console.log(`backup written to ${values.to}: it passed its integrity check and its history chain verifies`);
    return 0;
  },
};

/** Restoring replaces the database file itself, so it runs before anything opens it. */
async function restore(databasePath: string, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { from: { type: 'string' } } });
  if (!values.from) throw new UsageError('name the backup file with --from');
  if (!existsSync(values.from)) {
    console.error(`No backup at ${values.from}.`);
    return 2;
  }
  const { chain, keptAside } = await restoreDatabase(values.from, databasePath, new Date());
  if (keptAside) console.log(`the database it replaced is kept at ${keptAside}`);
  console.log(`restored ${values.from} to ${databasePath}: it passed its integrity check and its history chain verifies (${chain.events} event${chain.events === 1 ? '' : 's'})`);
  return 0;
}

/** Moving to PostgreSQL reads the SQLite file and writes the new database, so it runs before anything opens either. */
async function migrate(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' } } });
  const to = values.to ?? process.env.DATABASE_URL;
  if (!values.from || !to) throw new UsageError('name the SQLite file with --from and the PostgreSQL database with --to (or DATABASE_URL)');
  const { tables, after } = await migrateStore(values.from, to);
  for (const t of tables.filter((t) => t.rows > 0)) console.log(`${t.table}: ${t.rows} row${t.rows === 1 ? '' : 's'}`);
  console.log(`copied ${values.from} to PostgreSQL at ${new URL(to).host}${new URL(to).pathname}: its history chain verifies on both sides (${after.events} event${after.events === 1 ? '' : 's'})`);
  return 0;
}

async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'migrate-store') return migrate(argv.slice(1));
  const name = [argv.slice(0, 2).join(' '), argv[0] ?? ''].find((n) => n in commands || n === 'restore');
  if (!name) {
    console.error(usage);
    return 2;
  }
  const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' });
  if (name === 'restore') {
    if (!config.databaseUrl) return restore(config.databasePath, argv.slice(1));
    console.error('restore replaces the SQLite file; restore a PostgreSQL database with its own tools (pg_restore, or point-in-time recovery): see the README.');
    return 2;
  }
  // Only `user add` may start a new database; any other command on a wrong path would check or copy an empty one.
  if (name !== 'user add' && !config.databaseUrl && !existsSync(config.databasePath)) {
    console.error(`No database at ${config.databasePath}: set DATABASE_PATH to the service's database.`);
    return 2;
  }
  // Logs go to stderr, so stdout is only the command's answer (a token, an id) for scripts to read.
  const services = await createServices(config, { logger: createLogger(config.logLevel, pino.destination(2)) });
  try {
    return await commands[name]!(services, argv.slice(name.split(' ').length));
  } finally {
    await services.store.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof DatabaseInUseError || err instanceof BrokenCopyError || err instanceof MigrationRefused) {
      console.error(`Refused: ${err.message}.`);
      process.exit(3);
    }
    if (err instanceof UsageError || err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(err as Error).message}\n${usage}`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  },
);
