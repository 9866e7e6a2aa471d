import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createServices } from '../../src/services.js';
import { freePort } from '../bench/processes.js';
import { projectRoot } from '../cli/runCli.js';
import { testDefaults, testPasswordCost } from './harness.js';

/** package.json's start command after `node`: the flags and the entry point the product runs with. */
const startArgs = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ').slice(1);

export interface AppProcess {
  baseUrl: string;
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr together. */
  readonly output: string;
  /** Resolves with the exit code once it has exited. */
  exited: Promise<number | null>;
}

/**
 * The app as `npm start` runs it, in its own process, on `databasePath`, with
 * only the environment given here (no demo logins outside development unless asked).
 * Resolves once it says it is running; rejects if it exits before that.
 */
export async function startAppProcess(databasePath: string, env: Record<string, string> = {}): Promise<AppProcess> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, startArgs, {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', ...testDefaults(env), LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', BASE_URL: baseUrl, DATABASE_PATH: databasePath, ...env },
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', () => output.includes('is running at') && resolve());
    void exited.then((code) => reject(new Error(`the app exited with ${code}: ${output}`)));
  });
  return { baseUrl, child, exited, get output() { return output; } };
}

/** Staff made as the CLI makes them, before the app starts: their ids and API tokens. */
export async function seedStaff(databasePath: string, password = 'correct horse battery staple') {
  const services = await createServices(loadConfig({ NODE_ENV: 'test', DATABASE_PATH: databasePath, LOG_LEVEL: 'silent' }), { passwordCost: testPasswordCost });
  try {
    const make = async (key: string, role: 'supervisor' | 'facilitator') => {
      const added = await services.users.addUser({ email: `${key}@rj.test`, name: `Staff ${key}`, role, password, trainedFor: [] });
      if (!added.ok) throw new Error(JSON.stringify(added.issues));
      return { id: added.user.id, email: `${key}@rj.test`, token: await services.users.createToken(added.user.id, { label: 'test' }) };
    };
    return { supervisor: await make('supervisor', 'supervisor'), supervisor2: await make('supervisor2', 'supervisor'), facilitator: await make('facilitator', 'facilitator') };
  } finally {
    services.store.close();
  }
}
