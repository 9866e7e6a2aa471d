import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** Starts a TypeScript file in a fresh Node process (`node --import tsx`), as the product is started. */
/** The Node flags `npm start` runs the app with (package.json), so the bench measures the app as it runs. */
export const appNodeFlags = ['--max-semi-space-size=4'];

export function spawnTsx(file: string, args: string[] = [], env: Record<string, string> = {}, stdout: 'pipe' | 'ignore' = 'pipe', nodeFlags: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeFlags, '--import', 'tsx', file, ...args], {
    cwd: process.cwd(),
    env: { ...process.env, ...env },
    stdio: ['ignore', stdout, 'inherit'],
  });
}

/** Runs a TypeScript file to completion and returns what it printed. */
export function runTsx(file: string, args: string[] = []): Promise<string> {
  const child = spawnTsx(file, args);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${file} exited with ${code}`))));
  });
}

/** Asks the process to stop and waits until it has. */
export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A loopback port nothing is listening on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** The first line a child process prints. */
export function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: string) => {
      out += chunk;
      const end = out.indexOf('\n');
      if (end < 0) return;
      child.stdout!.off('data', onData);
      resolve(out.slice(0, end));
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => reject(new Error(`process exited with ${code} before printing anything`)));
  });
}
