// Plain JS so the thread needs no TypeScript loader: vitest's transform does not reach worker threads, tsx's only by flags.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { checkSlice } from './chainRule.mjs';

/** Checks the slices chainVerification.ts sends, over its own read-only connection. */
const db = new Database(workerData.dbPath, { readonly: true, fileMustExist: true });
parentPort?.on('message', ({ index, lo, hi }) => parentPort?.postMessage({ index, ...checkSlice(db, lo, hi) }));
