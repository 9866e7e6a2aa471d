import type { ChildProcess } from 'node:child_process';
import type { WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { appNodeFlags, spawnTsx } from '../bench/processes.js';

export interface StaffUser {
  id: string;
  email: string;
  token: string;
}

/** The demo staff the first start prints: two supervisors and a facilitator trained for every sensitive offence type. */
export interface DemoStaff {
  supervisor: StaffUser;
  supervisor2: StaffUser;
  facilitator: StaffUser;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One start of the app: the nth process on the same database. */
export interface Generation {
  number: number;
  child: ChildProcess;
  spawnedAt: number;
  /** Set once the app says it is running (it listens by then). */
  readyAt?: number;
  ready: Promise<void>;
  exited: Promise<Exit>;
  lines: string[];
  /** Resolves with what `read` finds in the output so far, re-read at every new line; rejects if the process exits first. */
  output<T>(read: (lines: string[]) => T | undefined): Promise<T>;
}

const runningLine = /^RJ casework is running at /;

/**
 * The real app as `npm start` runs it (node --max-semi-space-size=4 --import tsx src/main.ts),
 * started again and again on the same database. Its stdout goes to the run's log, one
 * generation after another; clients ask here whether it is up and wait for the next start.
 */
export function appProcesses(env: Record<string, string>, log: WriteStream) {
  let current: Generation | undefined;
  let count = 0;
  let up = false;
  let waiters: (() => void)[] = [];

  function spawnNext(): Generation {
    const number = ++count;
    const child = spawnTsx('src/main.ts', [], env, 'pipe', appNodeFlags);
    const lines: string[] = [];
    const readers = new Set<() => void>();
    const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const output = <T>(read: (lines: string[]) => T | undefined) =>
      new Promise<T>((resolve, reject) => {
        const check = () => {
          const found = read(lines);
          if (found === undefined) return;
          readers.delete(check);
          resolve(found);
        };
        readers.add(check);
        check();
        void exited.then(() => {
          readers.delete(check);
          reject(new Error(`the app (start ${number}) exited before printing what was expected`));
        });
      });
    const generation: Generation = { number, child, spawnedAt: Date.now(), ready: Promise.resolve(), exited, lines, output };
    generation.ready = new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        log.write(`[${number}] ${line}\n`);
        lines.push(line);
        for (const check of [...readers]) check();
        if (generation.readyAt === undefined && runningLine.test(line)) {
          generation.readyAt = Date.now();
          if (current === generation) {
            up = true;
            for (const wake of waiters.splice(0)) wake();
          }
          resolve();
        }
      });
      void exited.then(({ code, signal }) => {
        if (current === generation) up = false;
        reject(new Error(`the app (start ${number}) exited with ${signal ?? code} before it was running`));
      });
    });
    // Nobody may be waiting on a start that is killed on purpose before it is ready.
    generation.ready.catch(() => undefined);
    current = generation;
    return generation;
  }

  return {
    spawnNext,
    get current() {
      return current;
    },
    /** The latest generation started (0 before the first). */
    get generation() {
      return count;
    },
    get up() {
      return up;
    },
    /** Kills the current process outright and waits until it has gone. */
    async kill(): Promise<Exit> {
      const g = current!;
      up = false;
      g.child.kill('SIGKILL');
      return g.exited;
    },
    /** Asks the current process to stop (SIGTERM: the app's clean shutdown) and waits for its exit. */
    async stop(): Promise<Exit> {
      const g = current!;
      up = false;
      g.child.kill('SIGTERM');
      return g.exited;
    },
    /**
     * After a request failed to connect during generation `sent`: returns once a later
     * generation is up, or after a short pause if the same one still looks up (a reset that
     * was not a kill, or a kill this process has not seen yet).
     */
    async afterConnectionError(sent: number): Promise<void> {
      if (up && count === sent) return new Promise((resolve) => setTimeout(resolve, 50));
      if (up) return;
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    /** Wakes every waiting client (at the end, if the app will not come back). */
    release() {
      for (const wake of waiters.splice(0)) wake();
      waiters = [];
    },
  };
}

export type AppProcesses = ReturnType<typeof appProcesses>;

/**
 * The demo staff from the first start's output:
 *   supervisor  email supervisor@demo.rj.local  password …
 *               id <uuid>
 *               API token <token>
 */
export function demoStaffFrom(lines: string[]): DemoStaff | undefined {
  const people: Record<string, StaffUser> = {};
  let email: string | undefined;
  let id: string | undefined;
  for (const line of lines) {
    const e = /^\s+(?:supervisor|facilitator)\s+email (\S+)\s+password \S+/.exec(line);
    if (e) {
      email = e[1];
      id = undefined;
      continue;
    }
    const i = /^\s+id (\S+)$/.exec(line);
    if (i && email) id = i[1];
    const t = /^\s+API token (\S+)$/.exec(line);
    if (t && email && id) {
      people[email] = { id, email, token: t[1]! };
      email = undefined;
    }
  }
  const supervisor = people['supervisor@demo.rj.local'];
  const supervisor2 = people['supervisor2@demo.rj.local'];
  const facilitator = people['facilitator@demo.rj.local'];
  return supervisor && supervisor2 && facilitator ? { supervisor, supervisor2, facilitator } : undefined;
}
