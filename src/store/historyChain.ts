import { createHash } from 'node:crypto';

export const genesisHash = '0'.repeat(64);

/** The stored columns of one history row, in the fixed order the hash covers. */
export type ChainRow = [seq: number, caseId: string, type: string, actor: string, at: string, from: string | null, to: string, data: string];

/**
 * A row's hash covers the previous hash and its own stored text. The JSON
 * columns are hashed as stored, so verification needs no parsing.
 */
export function chainHash(prevHash: string, row: ChainRow): string {
  return createHash('sha256').update(prevHash).update(JSON.stringify(row)).digest('hex');
}
