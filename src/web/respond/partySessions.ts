import type { Services } from '../../services.js';
import type { LinkRecord } from '../../store/store.js';
import { linkStillWorks, tokenPattern } from './partyLinks.js';

type SessionServices = Pick<Services, 'store' | 'linkTokens' | 'engine' | 'clock'>;

const sessionMs = 30 * 60 * 1000;

/** The hidden fields that carry a party's session from page to page: no cookie, so any client that sends a form back works. */
export interface SessionFields {
  session: string;
  csrf: string;
}

/** Opens a 30-minute session on a link; only the session token's hash is stored. */
export async function openSession(services: SessionServices, link: LinkRecord): Promise<SessionFields> {
  const session = services.linkTokens.newSessionToken();
  const tokenHash = services.linkTokens.hash(session);
  const now = services.clock();
  await services.store.openPartySession({
    tokenHash,
    linkId: link.id,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + sessionMs).toISOString(),
  });
  return { session, csrf: services.linkTokens.csrfFor(`session:${tokenHash}`) };
}

export type Resumed =
  | { kind: 'ok'; link: LinkRecord; form: SessionFields }
  /** No unexpired session, or the form's anti-forgery value does not match it. */
  | { kind: 'ended' }
  /** The session is fine, but its link no longer works or is not for this form. */
  | { kind: 'linkGone' };

/** The session a posted form belongs to, checked for the form's purpose. */
export async function resumeSession(services: SessionServices, body: Record<string, unknown>, purpose: LinkRecord['purpose']): Promise<Resumed> {
  const { session, _csrf: csrf } = body;
  if (typeof session !== 'string' || !tokenPattern.test(session)) return { kind: 'ended' };
  const tokenHash = services.linkTokens.hash(session);
  const link = await services.store.partySessionLink(tokenHash, services.clock().toISOString());
  if (!link || !services.linkTokens.csrfMatches(`session:${tokenHash}`, csrf)) return { kind: 'ended' };
  if (link.purpose !== purpose || !(await linkStillWorks(services, link))) return { kind: 'linkGone' };
  return { kind: 'ok', link, form: { session, csrf: csrf as string } };
}
