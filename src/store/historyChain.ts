import { rowHash } from './chainRule.mjs';

export { genesisHash, rowHash, rowJsonSql } from './chainRule.mjs';

/** The stored columns of one history row, in the fixed order the hash covers. */
export type ChainRow = [seq: number, caseId: string, type: string, actor: string, at: string, from: string | null, to: string, data: string];

/**
 * A row's hash covers the previous hash and its own stored text, as the JSON
 * array of its columns. The JSON columns are hashed as stored, so verification
 * needs no parsing, and SQLite's json_array() of the stored row gives the same
 * text (test/durability/chainText.test.ts holds that), so verification needs no JS per column.
 */
export const chainHash = (prevHash: string, row: ChainRow): string => rowHash(prevHash, JSON.stringify(row));
