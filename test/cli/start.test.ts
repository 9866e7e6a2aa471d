import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { currentMachineVersion } from '../../machines/case/index.js';
import { createCaseEngine } from '../../src/cases/caseEngine.js';
import { loadConfig } from '../../src/config.js';
import { createServices } from '../../src/services.js';
import { sampleReferral, tempDir } from '../support/harness.js';
import { projectRoot } from './runCli.js';

/** package.json's start script, as the words of its command: `node <flags> --import tsx src/main.ts`. */
const startCommand = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ');

/** Starts the app as `npm start` does until it says it is running, then stops it with SIGTERM. */
function startMain(env: Record<string, string>): Promise<{ stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = startCommand;
    expect(command).toBe('node');
    const child = spawn(process.execPath, args, {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'development', PORT: '0', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (stdout.includes('API token') && stdout.split('API token').length > 3) child.kill('SIGTERM');
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ stdout, code }) : reject(new Error(`exit ${code}: ${stderr}`))));
  });
}

describe('npm start on a database with cases on machine v1', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('prints the demo logins (a facilitator and two supervisors) and moves the cases in flight to the current machine', async () => {
    const databasePath = `${tmp.dir}/rj.sqlite`;
    const services = await createServices(loadConfig({ NODE_ENV: 'test', DATABASE_PATH: databasePath, LOG_LEVEL: 'silent' }));
    const onV1 = createCaseEngine({ ...services, delays: services.config.delays, linkHash: services.linkTokens.hashFor, newCasesOn: 1 });
    const created = await onV1.createCase(sampleReferral(), { kind: 'user', id: 'someone', role: 'supervisor' });
    if (created.kind !== 'ok') throw new Error(JSON.stringify(created));
    services.store.close();

    const { stdout } = await startMain({ DATABASE_PATH: databasePath });
    expect(stdout).toMatch(/supervisor +email supervisor@demo\.rj\.local +password \S{16}/);
    expect(stdout).toMatch(/supervisor +email supervisor2@demo\.rj\.local +password \S{16}/);
    expect(stdout).toMatch(/facilitator +email facilitator@demo\.rj\.local +password \S{16}/);

    const after = await createServices(loadConfig({ NODE_ENV: 'test', DATABASE_PATH: databasePath, LOG_LEVEL: 'silent' }));
    try {
      expect(await after.store.caseById(created.value.id)).toMatchObject({ machineVersion: currentMachineVersion });
      expect((await after.store.history(created.value.id)).map((e) => e.type)).toEqual(['REFERRAL_RECEIVED', 'MACHINE_MIGRATED']);
      const fran = await after.store.userByEmail('facilitator@demo.rj.local');
      expect(fran?.trainedFor.sort()).toEqual(['domesticAbuse', 'hateCrime', 'sexualOffence', 'stalking']);
    } finally {
      after.store.close();
    }
  });
});
