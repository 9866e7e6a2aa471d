import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../bench/processes.js';
import { sampleReferral } from '../support/harness.js';

/**
 * `npm run cluster` as a newcomer runs it: PostgreSQL, three instances and the round-robin proxy come up, every
 * instance answers through the proxy and sees what another wrote, and Ctrl-C (SIGINT) stops it all and
 * deletes its files.
 */
describe('npm run cluster', () => {
  let cluster: ChildProcess | undefined;
  const output: string[] = [];
  // As package.json's script runs it.
  const run = (port: number) => {
    output.length = 0;
    cluster = spawn(process.execPath, ['--import', 'tsx', 'test/cluster/run.ts'], { env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    cluster.stdout!.setEncoding('utf8').on('data', (text: string) => output.push(text));
    cluster.stderr!.setEncoding('utf8').on('data', (text: string) => output.push(text));
    return cluster;
  };
  const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(child.exitCode)));
  afterAll(() => {
    if (cluster?.exitCode === null) cluster.kill('SIGINT');
  });

  const printed = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const look = () => {
        const found = pattern.exec(output.join(''));
        if (found) resolve(found);
        return found;
      };
      if (look()) return;
      cluster!.stdout!.on('data', look);
      cluster!.once('exit', (code) => reject(new Error(`the cluster exited with ${code}: ${output.join('')}`)));
    });

  const accepting = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });

  it('starts three instances on one database behind the proxy, and Ctrl-C stops everything and deletes its files', async () => {
    const port = await freePort();
    run(port);
    const ready = await printed(/Three instances \(ports (\d+), (\d+), (\d+)\) on PostgreSQL at 127\.0\.0\.1:(\d+)\/rj[^\n]*\n[^\n]*deletes the cluster's files \(([^)]+)\)/);
    const [instancePorts, pgPort, dir] = [[ready[1], ready[2], ready[3]].map(Number), Number(ready[4]), ready[5]!];
    // The first instance made the demo logins on the empty database; the supervisor's API token is printed first.
    const token = /API token (\S+)/.exec(output.join(''))![1]!;
    const proxy = `http://127.0.0.1:${port}`;
    const auth = { authorization: `Bearer ${token}` };

    for (let i = 0; i < 3; i++) expect((await fetch(`${proxy}/readyz`)).status).toBe(200);
    const created = await fetch(`${proxy}/api/cases`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(sampleReferral()) });
    expect(created.status).toBe(201);
    const { case: made } = (await created.json()) as { case: { id: string; reference: string } };
    // Each instance, asked directly, reads the case another wrote.
    for (const p of instancePorts) {
      const read = await fetch(`http://127.0.0.1:${p}/api/cases/${made.id}`, { headers: auth });
      expect(read.status).toBe(200);
      expect(((await read.json()) as { case: { reference: string } }).case.reference).toBe(made.reference);
    }
    expect(existsSync(dir)).toBe(true);

    cluster!.kill('SIGINT');
    expect(await exited(cluster!)).toBe(0);
    expect(existsSync(dir)).toBe(false);
    for (const p of [port, pgPort, ...instancePorts]) expect(await accepting(p), `port ${p} still accepting`).toBe(false);
  });

  it('refuses a proxy port already in use, saying so, before starting or writing anything', async () => {
    const taken = createServer();
    await new Promise<void>((listening) => taken.listen(0, '127.0.0.1', listening));
    const port = (taken.address() as { port: number }).port;
    const clusters = () => readdirSync(tmpdir()).filter((name) => name.startsWith('rj-cluster-')).sort();
    const before = clusters();
    try {
      expect(await exited(run(port))).toBe(1);
    } finally {
      taken.close();
    }
    expect(output.join('')).toContain(`port ${port} is in use: set PORT to a free one`);
    expect(clusters()).toEqual(before);
  });
});
