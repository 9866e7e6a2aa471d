import Database from 'better-sqlite3';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { checkSlice, unrecordedErasure, type SliceCheck } from './chainRule.mjs';
import type { Db } from './database.js';
import type { ChainCheck } from './store.js';

export interface ChainVerificationOptions {
  /** Worker threads; one per core unless given. */
  workers?: number;
  /** Seqs per slice handed to a worker; by default each worker gets a few slices, so one slowed by other work holds up little. */
  sliceSize?: number;
  /** Chains shorter than this are checked on the calling thread: starting workers costs more than they save. */
  inlineBelow?: number;
}

const slicesPerWorker = 4;
/** Measured on 2 cores: inline is faster below ~100k rows; from 50k the workers take no longer and leave the main thread free. */
const defaultInlineBelow = 50_000;
const workerUrl = new URL('./chainVerificationWorker.mjs', import.meta.url);

/** Where verification stops, read in one statement so the two figures agree while the app keeps writing. */
interface StartingPoint {
  maxSeq: number;
  /** Every event bumps its case's version and adds one history row, so this is how many rows up to maxSeq there must be. */
  expectedEvents: number;
  /** The first row whose content was erased without an entry that accounts for it. */
  unrecordedErasure?: number;
}

// Read in one transaction, so the figures agree while the app keeps writing.
const startingPoint = (db: Db): StartingPoint =>
  db.transaction(() => {
    const start = db
      .prepare('SELECT (SELECT coalesce(max(seq), 0) FROM history) AS maxSeq, (SELECT coalesce(sum(version), 0) FROM cases) AS expectedEvents')
      .get() as StartingPoint;
    const unrecorded = unrecordedErasure(db);
    return unrecorded !== undefined && unrecorded <= start.maxSeq ? { ...start, unrecordedErasure: unrecorded } : start;
  })();

/** The result of slices checked in seq order, ending at the first bad one. */
function verdict(start: StartingPoint, checks: SliceCheck[]): ChainCheck {
  let events = 0;
  for (const check of checks) {
    events += check.rows;
    if (check.firstBadSeq !== undefined) {
      const firstBadSeq = Math.min(check.firstBadSeq, start.unrecordedErasure ?? Infinity);
      return { ok: false, events, firstBadSeq };
    }
  }
  if (start.unrecordedErasure !== undefined) return { ok: false, events, firstBadSeq: start.unrecordedErasure };
  // Rows cut from the end leave no broken link, only fewer rows than events.
  if (events !== start.expectedEvents) return { ok: false, events, firstBadSeq: start.maxSeq + 1 };
  return { ok: true, events };
}

const checkInline = (db: Db, start: StartingPoint): ChainCheck => verdict(start, [checkSlice(db, 1, start.maxSeq)]);

/** Verifies the history chain on the calling thread, over the given connection (the only way into a ':memory:' database). */
export const verifyChainInline = (db: Db): ChainCheck => checkInline(db, startingPoint(db));

/**
 * Verifies the history chain of the database file at dbPath, slices of it in
 * parallel worker threads, while the app may go on writing: only the rows up
 * to the last one committed when verification starts are checked.
 */
export async function verifyChainFile(dbPath: string, options: ChainVerificationOptions = {}): Promise<ChainCheck> {
  const path = resolve(dbPath);
  let db: Db;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new Error(`cannot verify the history chain: cannot open the database ${path} (${(error as Error).message})`, { cause: error });
  }
  let start: StartingPoint;
  try {
    start = startingPoint(db);
    if (start.maxSeq === 0 || start.maxSeq < (options.inlineBelow ?? defaultInlineBelow)) return checkInline(db, start);
  } finally {
    db.close();
  }
  const workers = Math.max(1, options.workers ?? availableParallelism());
  const sliceSize = Math.max(1, options.sliceSize ?? Math.ceil(start.maxSeq / (workers * slicesPerWorker)));
  const slices: Slice[] = [];
  for (let lo = 1; lo <= start.maxSeq; lo += sliceSize) slices.push({ index: slices.length, lo, hi: Math.min(lo + sliceSize - 1, start.maxSeq) });
  return verdict(start, await checkInWorkers(path, slices, Math.min(workers, slices.length)));
}

interface Slice {
  index: number;
  lo: number;
  hi: number;
}

/**
 * Hands the slices, in seq order, to `count` workers as they come free, and
 * resolves with the checks of every slice up to the first bad one; slices
 * after a bad one cannot change the answer, so they are not waited for.
 * Any worker failure rejects and stops every worker.
 */
function checkInWorkers(dbPath: string, slices: Slice[], count: number): Promise<SliceCheck[]> {
  return new Promise((resolvePromise, reject) => {
    const checks: SliceCheck[] = [];
    let next = 0;
    /** Slices from here on are not needed: one before them is bad. */
    let needed = slices.length;
    let settled = false;
    const workers: Worker[] = [];

    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      if (error) reject(error);
      else resolvePromise(checks.slice(0, needed));
    };
    const feed = (w: Worker) => {
      if (next < needed) w.postMessage(slices[next++]);
    };

    for (let i = 0; i < count; i++) {
      // execArgv [] keeps tsx's loader, inherited by default, out of a worker that needs none.
      const w = new Worker(workerUrl, { workerData: { dbPath }, execArgv: [] });
      workers.push(w);
      w.on('message', ({ index, ...check }: SliceCheck & { index: number }) => {
        checks[index] = check;
        if (check.firstBadSeq !== undefined && index < needed) needed = index + 1;
        let done = true;
        for (let j = 0; j < needed && done; j++) done = checks[j] !== undefined;
        if (done) finish();
        else feed(w);
      });
      w.on('error', (error) => finish(new Error(`history chain verification failed in a worker: ${error.message}`, { cause: error })));
      w.on('exit', (code) => finish(new Error(`a history chain verification worker stopped (exit code ${code}) before it finished`)));
      feed(w);
    }
  });
}
