import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Tokens for the links emailed to parties. A token is an HMAC of the link's id
 * under a secret kept outside the database, so the outbox can put it in an
 * email (and in the same email again on a retry) while the database holds only
 * its SHA-256. 256 bits either way.
 */
export function createLinkTokens(secret: string) {
  const mac = (label: string) => createHmac('sha256', secret).update(label).digest('base64url');
  const hash = (token: string) => createHash('sha256').update(token).digest('hex');
  return {
    tokenFor: (linkId: string) => mac(`link:${linkId}`),
    hash,
    hashFor: (linkId: string) => hash(mac(`link:${linkId}`)),
    /** A form's anti-forgery value, bound to what the form acts on (a link or a session). */
    csrfFor: (scope: string) => mac(`csrf:${scope}`),
    csrfMatches: (scope: string, value: unknown) => {
      if (typeof value !== 'string') return false;
      const expected = Buffer.from(mac(`csrf:${scope}`));
      const given = Buffer.from(value);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
    newSessionToken: () => randomBytes(32).toString('base64url'),
  };
}

export type LinkTokens = ReturnType<typeof createLinkTokens>;
