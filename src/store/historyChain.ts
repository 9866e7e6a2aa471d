import { randomBytes } from 'node:crypto';
import { splitContent } from '../../machines/case/personalContent.js';
import { contentCommitment, rowHash } from './chainRule.mjs';
import type { HistoryEntry } from './store.js';

export { contentCommitment, genesisHash, rowHash, rowJsonSql, rowJsonSqlV2 } from './chainRule.mjs';

/** The stored columns of one rule-1 history row, in the fixed order the hash covers. */
export type ChainRow = [seq: number, caseId: string, type: string, actor: string, at: string, from: string | null, to: string, data: string];

/** A rule-2 row's columns: rule 1's, then the commitment to its personal content (null when it has none). */
export type ChainRowV2 = [...ChainRow, contentHash: string | null];

/**
 * A row's hash covers the previous hash and its own stored text, as the JSON
 * array of its columns. The JSON columns are hashed as stored, so verification
 * needs no parsing, and SQLite's json_array() of the stored row gives the same
 * text (test/durability/chainText.test.ts holds that), so verification needs no JS per column.
 */
export const chainHash = (prevHash: string, row: ChainRow | ChainRowV2): string => rowHash(prevHash, JSON.stringify(row));

/** A fresh salt and the commitment to the content under it: erasing both leaves a commitment nobody can test a guess against. */
export function commitContent(content: string): { salt: string; commitment: string } {
  const salt = randomBytes(32).toString('hex');
  return { salt, commitment: contentCommitment(salt, content) };
}

/** A new entry as the chain stores it under rule 2: the row's columns with its links, and its personal content kept apart. */
export interface SealedEntry {
  row: [...ChainRowV2, prevHash: string, hash: string];
  /** The content with the salt its commitment was made under; none when the entry holds no personal content. */
  content: { salt: string; text: string } | null;
}

/** Seals `entry` as row `seq` after the row whose hash is `prevHash`. */
export function sealEntry(prevHash: string, seq: number, caseId: string, entry: HistoryEntry): SealedEntry {
  const { coded, content } = splitContent(entry.type, entry.data);
  const columns: ChainRowV2 = [seq, caseId, entry.type, JSON.stringify(entry.actor), entry.at, entry.from, entry.to, JSON.stringify(coded), null];
  const text = content && JSON.stringify(content);
  const sealed = text ? commitContent(text) : null;
  columns[8] = sealed?.commitment ?? null;
  return { row: [...columns, prevHash, chainHash(prevHash, columns)], content: sealed && text ? { salt: sealed.salt, text } : null };
}
