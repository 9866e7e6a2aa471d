import type { Database } from 'better-sqlite3';

export declare const genesisHash: string;
export declare function rowHash(prevHash: string, rowJson: string): string;
export declare const rowJsonSql: string;
export interface SliceCheck {
  /** Rows checked, up to and including the first bad one. */
  rows: number;
  firstBadSeq?: number;
}
export declare function checkSlice(db: Database, lo: number, hi: number): SliceCheck;
