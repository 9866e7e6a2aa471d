import { parse, serialize } from 'cookie';
import type { NextFunction, Request, Response } from 'express';
import { absoluteTimeoutMs, csrfMatches, type SignedIn } from '../../auth/staffSessions.js';
import type { Services } from '../../services.js';

declare module 'express-serve-static-core' {
  interface Locals {
    /** The signed-in staff member and their session, on every staff page. */
    signedIn?: SignedIn;
    /** A session past the password whose second step (or two-factor set-up) is still to come. */
    halfWay?: SignedIn;
    /** What this page says once about the step just taken. */
    flash?: unknown;
  }
}

/**
 * The session cookie: `__Host-` prefixed and Secure wherever the service is on
 * HTTPS, so it is bound to this host and path `/`; without the prefix and
 * Secure only on plain HTTP in development. HttpOnly and SameSite=Lax always.
 */
export function sessionCookie(baseUrl: string) {
  const secure = baseUrl.startsWith('https://');
  const name = secure ? '__Host-rj_session' : 'rj_session';
  const options = { httpOnly: true, secure, sameSite: 'lax' as const, path: '/' };
  return {
    name,
    read: (req: Request) => parse(req.get('cookie') ?? '')[name],
    set: (res: Response, token: string) => res.append('Set-Cookie', serialize(name, token, { ...options, maxAge: absoluteTimeoutMs / 1000 })),
    clear: (res: Response) => res.append('Set-Cookie', serialize(name, '', { ...options, maxAge: 0 })),
  };
}

/**
 * Reads the session behind the request's cookie, if any: into `res.locals.signedIn` once
 * both steps have passed, into `res.locals.halfWay` before. A user who must use two-factor
 * sign-in but has none set up (an admin reset it) is half-way until they set it up again.
 */
export function resumeStaffSession({ staffSessions, config }: Pick<Services, 'staffSessions' | 'config'>) {
  const cookie = sessionCookie(config.baseUrl);
  return async (req: Request, res: Response, next: NextFunction) => {
    const session = await staffSessions.resume(cookie.read(req));
    if (session?.stage === 'complete' && (session.user.totpSecret || !config.twoFactorRoles.includes(session.user.role))) res.locals.signedIn = session;
    else if (session) res.locals.halfWay = session;
    next();
  };
}

/** Where a half-way session goes next: the code from the app, or setting the app up first. */
export const secondStepPath = (user: { totpSecret: string | null }, returnTo: string) =>
  `${user.totpSecret ? '/sign-in/code' : '/account/two-factor'}?returnTo=${encodeURIComponent(returnTo)}`;

/** Where a visitor who must sign in first is sent: the sign-in page, then back to where they were going. */
export const signInFor = (returnTo: string) => `/sign-in?returnTo=${encodeURIComponent(returnTo)}`;

/** Only a path on this site may be returned to: never another host (`//evil`, `/\\evil`), never a scheme. */
export const safeReturnTo = (value: unknown) =>
  typeof value === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) && value.length <= 2000 ? value : '/';

/** The staff app's pages: `/` and everything under `/cases`, `/reports`, `/supervision`, `/account` and `/admin`. Any other address is simply not found. */
const staffAreas = ['/cases', '/reports', '/supervision', '/account', '/admin'];
const isStaffPage = (path: string) => path === '/' || staffAreas.some((area) => path === area || path.startsWith(`${area}/`));

/** Every staff page but sign-in: an anonymous visitor is sent to sign in, and one half-way through it to its next step; both come back after. */
export function requireSignIn(req: Request, res: Response, next: NextFunction) {
  if (res.locals.signedIn || !isStaffPage(req.path)) return next();
  const returnTo = req.method === 'GET' ? req.originalUrl : '/';
  const halfWay = res.locals.halfWay;
  res.redirect(303, halfWay ? secondStepPath(halfWay.user, returnTo) : signInFor(returnTo));
}

/** A state-changing form must carry its session's synchronizer token; without it nothing happens. */
export const csrfOk = (res: Response, body: unknown) =>
  res.locals.signedIn !== undefined && csrfMatches(res.locals.signedIn, (body as Record<string, unknown> | undefined)?._csrf);
