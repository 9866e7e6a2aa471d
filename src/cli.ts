import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { createServices, type Services } from './services.js';

const usage = `Usage: npm run cli -- <command>
  user add --email E --name N --role facilitator|supervisor|admin --password-stdin
  token create --email E
  audit verify
  backup --to FILE`;

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
      options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    });
    if (!values['password-stdin']) throw new UsageError('pass the password on standard input with --password-stdin');
    const result = await s.users.addUser({ email: values.email, name: values.name, role: values.role, password: await readStdin() });
    if (!result.ok) {
      for (const i of result.issues) console.error(`${i.path}: ${i.message}`);
      return 2;
    }
    console.log(result.user.id);
    return 0;
  },
  async 'token create'(s, args) {
    const { values } = parseArgs({ args, options: { email: { type: 'string' } } });
    if (!values.email) throw new UsageError('name the user with --email');
    const user = await s.store.userByEmail(values.email);
    if (!user || user.disabledAt) {
      console.error('No active user has that email.');
      return 2;
    }
    console.log(await s.users.createToken(user.id));
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
  async backup(s, args) {
    const { values } = parseArgs({ args, options: { to: { type: 'string' } } });
    if (!values.to) throw new UsageError('name the backup file with --to');
    await s.store.backup(values.to);
    console.log(`backup written to ${values.to} and passed its integrity check`);
    return 0;
  },
};

async function run(argv: string[]): Promise<number> {
  const name = [argv.slice(0, 2).join(' '), argv[0] ?? ''].find((n) => n in commands);
  if (!name) {
    console.error(usage);
    return 2;
  }
  const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  // Only `user add` may start a new database; any other command on a wrong path would check or copy an empty one.
  if (name !== 'user add' && !existsSync(config.databasePath)) {
    console.error(`No database at ${config.databasePath}: set DATABASE_PATH to the service's database.`);
    return 2;
  }
  const services = createServices(config);
  try {
    return await commands[name]!(services, argv.slice(name.split(' ').length));
  } finally {
    services.store.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError || err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(err as Error).message}\n${usage}`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  },
);
