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

/** One start of the app: the nth process on the same database, in one of the instance slots. */
export interface Generation {
  number: number;
  slot: number;
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
 * The real app as `npm start` runs it (node --max-semi-space-size=4 --import tsx src/main.ts), in one or
 * more instance slots on the same database, each slot on its own port and started again and again. Every
 * process's stdout goes to the run's log, tagged with its generation; clients ask here which instance is up
 * and wait for one when none is.
 */
export function appProcesses(options: { urls: string[]; envFor: (generation: number, slot: number) => Promise<Record<string, string>>; log: WriteStream }) {
  const { urls, envFor, log } = options;
  const slots = urls.map(() => ({ current: undefined as Generation | undefined, up: false }));
  let count = 0;
  let waiters: (() => void)[] = [];
  let released = false;
  const wakeAll = () => {
    for (const wake of waiters.splice(0)) wake();
  };

  async function spawnNext(slot = 0): Promise<Generation> {
    const number = ++count;
    const child = spawnTsx('src/main.ts', [], await envFor(number, slot), 'pipe', appNodeFlags);
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
    const generation: Generation = { number, slot, child, spawnedAt: Date.now(), ready: Promise.resolve(), exited, lines, output };
    const state = slots[slot]!;
    generation.ready = new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        log.write(`[${number}] ${line}\n`);
        lines.push(line);
        for (const check of [...readers]) check();
        if (generation.readyAt === undefined && runningLine.test(line)) {
          generation.readyAt = Date.now();
          if (state.current === generation) {
            state.up = true;
            wakeAll();
          }
          resolve();
        }
      });
      void exited.then(({ code, signal }) => {
        if (state.current === generation) state.up = false;
        reject(new Error(`the app (start ${number}) exited with ${signal ?? code} before it was running`));
      });
    });
    // Nobody may be waiting on a start that is killed on purpose before it is ready.
    generation.ready.catch(() => undefined);
    state.current = generation;
    return generation;
  }

  const end = (slot: number, signal: NodeJS.Signals): Promise<Exit> => {
    const state = slots[slot]!;
    state.up = false;
    state.current!.child.kill(signal);
    return state.current!.exited;
  };

  return {
    spawnNext,
    instances: urls.length,
    urlOf: (slot: number) => urls[slot]!,
    currentOf: (slot: number) => slots[slot]!.current,
    /** Every slot's latest start. */
    get running(): Generation[] {
      return slots.flatMap((s) => (s.current ? [s.current] : []));
    },
    isUp: (slot: number) => slots[slot]!.up,
    /** Kills a slot's process outright and waits until it has gone. */
    kill: (slot = 0) => end(slot, 'SIGKILL'),
    /** Asks a slot's process to stop (SIGTERM: the app's clean shutdown) and waits for its exit. */
    stop: (slot = 0) => end(slot, 'SIGTERM'),
    /**
     * After a request to `slot` failed to connect during generation `sent`: the slot to send to next. The same
     * one after a short pause if it still looks up with that generation (a reset that was not a kill, or a kill
     * not yet seen here); otherwise the next instance that is up, waiting for one if none is.
     */
    async afterConnectionError(slot: number, sent: number): Promise<number> {
      for (;;) {
        const state = slots[slot]!;
        if (state.up && state.current?.number === sent) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          return slot;
        }
        for (let i = 0; i < slots.length; i++) {
          const next = (slot + i) % slots.length;
          if (slots[next]!.up) return next;
        }
        await new Promise<void>((resolve) => waiters.push(resolve));
        if (released) return slot;
      }
    },
    /** Wakes every waiting client (at the end, if the app will not come back). */
    release() {
      released = true;
      wakeAll();
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
