import type { EventType } from '../../../machines/case/events.js';
import type { Services } from '../../services.js';
import type { LinkPurpose, LinkRecord } from '../../store/store.js';

type LinkServices = Pick<Services, 'store' | 'linkTokens' | 'engine' | 'clock'>;

/** Link and session tokens are 32 bytes in base64url; anything else is not worth a lookup. */
export const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

/** What the case must still accept from the party for a link of each purpose to work. */
const eventFor: Record<LinkPurpose, EventType | undefined> = {
  invitation: 'VICTIM_RESPONDED',
  withdrawal: 'WITHDRAW',
  feedback: undefined,
};

/** A link still works when it has not expired, been used or been revoked, and the case still accepts what it is for. */
export async function linkStillWorks(services: LinkServices, link: LinkRecord): Promise<boolean> {
  if (link.usedAt || link.revokedAt || Date.parse(link.expiresAt) <= services.clock().getTime()) return false;
  const needed = eventFor[link.purpose];
  if (!needed) return true;
  const view = await services.engine.view(link.caseId, { kind: 'party', caseId: link.caseId, role: link.party });
  return view?.allowedEvents.includes(needed) ?? false;
}

/** The working link a token from an email opens, or undefined for any token that does not open one. Reads only. */
export async function workingLink(services: LinkServices, token: unknown): Promise<LinkRecord | undefined> {
  if (typeof token !== 'string' || !tokenPattern.test(token)) return undefined;
  const link = await services.store.linkByTokenHash(services.linkTokens.hash(token));
  return link && (await linkStillWorks(services, link)) ? link : undefined;
}
