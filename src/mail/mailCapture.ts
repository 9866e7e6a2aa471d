import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Mail captured locally when no SMTP server is configured: one JSON file per
 * message, named `<sortable time>-<noticeId>.json`, so a newcomer can read
 * what the service would have sent (the /dev/mail page lists them).
 */
export interface CapturedMail {
  id: string;
  messageId: string;
  from: string;
  to: string;
  subject: string;
  date: string;
  text: string;
  html: string;
  attachments: { filename: string; contentType: string; content: string }[];
}

/** `20261123T090000123Z-<notice id>`: sorts by time, and holds nothing that could leave the folder. */
const idPattern = /^\d{8}T\d{9}Z-[A-Za-z0-9-]{1,80}$/;

export function captureId(at: Date, noticeId: string): string {
  const id = `${at.toISOString().replace(/[-:.]/g, '')}-${noticeId}`;
  if (!idPattern.test(id)) throw new Error('a captured message needs a notice id of letters, digits and hyphens');
  return id;
}

/** Writes the message whole or not at all: to a temporary file, then renamed into place. */
export function saveCapturedMail(dir: string, mail: CapturedMail): void {
  if (!idPattern.test(mail.id)) throw new Error('not a captured message id');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${mail.id}.${randomBytes(6).toString('hex')}.tmp`);
  writeFileSync(tmp, JSON.stringify(mail, null, 2), { mode: 0o600 });
  renameSync(tmp, join(dir, `${mail.id}.json`));
}

const captureFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json') && idPattern.test(f.slice(0, -5))) : []);

/** Every captured message, newest first. */
export function listCapturedMail(dir: string): CapturedMail[] {
  return captureFiles(dir)
    .sort()
    .reverse()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CapturedMail);
}

/** One captured message; any id that is not exactly a capture id (a path, `..`, a wildcard) finds nothing. */
export function readCapturedMail(dir: string, id: string): CapturedMail | undefined {
  if (typeof id !== 'string' || !idPattern.test(id)) return undefined;
  const file = join(dir, `${id}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CapturedMail) : undefined;
}

/**
 * Deletes captured messages written before `before`, and those of the given
 * notices whenever they were written (their case's content was erased); returns how many.
 */
export function pruneCapturedMail(dir: string, { before, noticeIds = [] }: { before: Date; noticeIds?: string[] }): number {
  const cutoff = captureId(before, 'x').slice(0, 19);
  const erased = new Set(noticeIds);
  let removed = 0;
  for (const f of captureFiles(dir)) {
    if (f.slice(0, 19) < cutoff || erased.has(f.slice(20, -5))) {
      rmSync(join(dir, f), { force: true });
      removed++;
    }
  }
  return removed;
}
