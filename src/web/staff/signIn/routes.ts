import { randomBytes } from 'node:crypto';
import { parse, serialize } from 'cookie';
import { Router, type Request, type Response } from 'express';
import type { Services } from '../../../services.js';
import { perMinuteLimit } from '../../rateLimit.js';
import type { FormBody } from '../../formFields.js';
import type { StaffRender } from '../render.js';
import { needsSecondStep } from '../../../access.js';
import { csrfMatches } from '../../../auth/staffSessions.js';
import { safeReturnTo, secondStepPath, sessionCookie, signInFor } from '../staffSession.js';
import { readSignIn } from './form.js';
import { signInFailed, signInView, tooManyAttempts } from './view.js';

/**
 * Before there is a session, the sign-in form is bound to a short-lived random
 * cookie (path /sign-in only) by an HMAC of it, so a form posted from elsewhere
 * cannot sign anyone in (login CSRF).
 */
const signInCookie = 'rj_signin';

export function signInRoutes(services: Services, render: StaffRender, forbidden: (res: Response) => void): Router {
  const { config, users, staffSessions, linkTokens, clock, accessGuard, store } = services;
  /** The audit names the account an attempt was at, when there is one; the page never says. */
  const knownUserId = async (email: string) => {
    const user = email ? await store.userByEmail(email) : undefined;
    return user ? { userId: user.id } : {};
  };
  const session = sessionCookie(config.baseUrl);
  const router = Router();

  const formToken = (req: Request, res: Response) => {
    let nonce = parse(req.get('cookie') ?? '')[signInCookie];
    if (!nonce || !/^[A-Za-z0-9_-]{22}$/.test(nonce)) {
      nonce = randomBytes(16).toString('base64url');
      const secure = config.baseUrl.startsWith('https://');
      res.append('Set-Cookie', serialize(signInCookie, nonce, { httpOnly: true, secure, sameSite: 'strict', path: '/sign-in', maxAge: 3600 }));
    }
    return linkTokens.csrfFor(`sign-in:${nonce}`);
  };
  const formTokenMatches = (req: Request, given: unknown) => {
    const nonce = parse(req.get('cookie') ?? '')[signInCookie];
    return nonce !== undefined && linkTokens.csrfMatches(`sign-in:${nonce}`, given);
  };

  router.get('/sign-in', (req, res) => {
    const returnTo = safeReturnTo(req.query.returnTo);
    if (res.locals.signedIn) return res.redirect(303, returnTo);
    signInView(render, res, 200, { email: '', returnTo, csrf: formToken(req, res), signedOut: req.query.signedOut === '1' });
  });

  router.post('/sign-in', perMinuteLimit(services, 'sign-in', 30, (_req, res) => tooManyAttempts(render, res)), async (req, res) => {
    const body = req.body as FormBody;
    if (!formTokenMatches(req, body._csrf)) return forbidden(res);
    const form = readSignIn(body);
    const ip = req.ip ?? 'unknown';
    const wait = await accessGuard.blocked('password', ip, form.email);
    if (wait) return tooManyAttempts(render, res, { until: wait, now: clock() });
    const user = await users.signIn(form.email, form.password);
    if (!user) {
      await accessGuard.failed('password', { ip, email: form.email, ...(await knownUserId(form.email)) });
      return signInView(render, res, 401, { ...form, csrf: formToken(req, res) }, signInFailed);
    }
    await accessGuard.succeeded(form.email);
    // A new session at every sign-in: whatever the browser held before ends now.
    for (const held of [res.locals.signedIn, res.locals.halfWay]) if (held) await staffSessions.end(held.tokenHash);
    const userAgent = req.get('user-agent');
    if (!needsSecondStep(user, config.twoFactorRoles)) {
      await store.recordSignIn(user.id, clock().toISOString());
      session.set(res, await staffSessions.open(user, 'complete', userAgent));
      return res.redirect(303, form.returnTo);
    }
    session.set(res, await staffSessions.open(user, 'password', userAgent));
    res.redirect(303, secondStepPath(user, form.returnTo));
  });

  router.post('/sign-out', async (req, res) => {
    const held = res.locals.signedIn ?? res.locals.halfWay;
    if (!held) return res.redirect(303, signInFor('/'));
    if (!csrfMatches(held, (req.body as FormBody | undefined)?._csrf)) return forbidden(res);
    await staffSessions.end(held.tokenHash);
    session.clear(res);
    res.redirect(303, '/sign-in?signedOut=1');
  });

  return router;
}
