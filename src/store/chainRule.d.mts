import type { Database } from 'better-sqlite3';

export declare const genesisHash: string;
export declare function rowHash(prevHash: string, rowJson: string): string;
export declare function contentCommitment(salt: string, content: string): string;
export declare const rowJsonSql: string;
export declare const rowJsonSqlV2: string;
export declare function ruleTwoFrom(db: Database): number;
export declare function contentAgrees(commitment: string | null, present: number | null, salt: string | null, content: string | null, erasedAt: string | null): boolean;
export interface SliceCheck {
  /** Rows checked, up to and including the first bad one. */
  rows: number;
  firstBadSeq?: number;
}
export declare function checkSlice(db: Database, lo: number, hi: number): SliceCheck;
export declare function unrecordedErasure(db: Database): number | undefined;
export declare function resealDigest(rowJsonV2: string): string;
export declare function resealedIntact(db: Database, seq: number): boolean;
export declare function unrecordedErasures(db: Database, caseId: string): number[];
