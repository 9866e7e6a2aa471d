import { Router, type Request, type Response } from 'express';
import { csrfMatches, type SignedIn } from '../../../auth/staffSessions.js';
import type { Services } from '../../../services.js';
import { errorsOf, textOf, type FormBody, type Problem } from '../../formFields.js';
import type { StaffRender } from '../render.js';
import { tooManyAttempts } from '../signIn/view.js';
import { safeReturnTo, sessionCookie, signInFor } from '../staffSession.js';

const codeProblem: Problem[] = [{ field: 'code', href: '#code', text: 'Enter the 6-digit code your app shows now, or one of your recovery codes' }];
const setUpProblem: Problem[] = [{ field: 'code', href: '#code', text: 'Enter the 6-digit code your app shows now' }];

/**
 * The second step of signing in (a code from an authenticator app, or a recovery code),
 * and setting up two-factor sign-in: during sign-in for those who must have it, or from
 * the account page. Once both steps pass, the session is renewed with a new id.
 */
export function twoFactorRoutes(services: Services, render: StaffRender, forbidden: (res: Response) => void): Router {
  const { config, users, totp, staffSessions, accessGuard, clock, store } = services;
  const session = sessionCookie(config.baseUrl);
  const router = Router();
  const returnToOf = (req: Request) => safeReturnTo(req.method === 'GET' ? req.query.returnTo : (req.body as FormBody).returnTo);

  /** Both steps passed: a new session replaces the half-way one. */
  const finishSignIn = async (req: Request, res: Response, halfWay: SignedIn) => session.set(res, await staffSessions.complete(halfWay, req.get('user-agent')));

  router.get('/sign-in/code', (req, res) => {
    const halfWay = res.locals.halfWay;
    if (!halfWay?.user.totpSecret) return res.redirect(303, res.locals.signedIn ? returnToOf(req) : signInFor(returnToOf(req)));
    render(res, 200, 'secondStep', { title: 'Enter the code from your app', csrf: halfWay.csrfToken, returnTo: returnToOf(req) });
  });

  router.post('/sign-in/code', async (req, res) => {
    const halfWay = res.locals.halfWay;
    const body = req.body as FormBody;
    if (!halfWay?.user.totpSecret || !csrfMatches(halfWay, body._csrf)) return forbidden(res);
    const ip = req.ip ?? 'unknown';
    const wait = await accessGuard.blocked('password', ip, halfWay.user.email);
    if (wait) return tooManyAttempts(render, res, { until: wait, now: clock() });
    const used = await users.secondStep(halfWay.user, textOf(body, 'code'));
    if (!used) {
      await accessGuard.failed('second_step', { ip, email: halfWay.user.email, userId: halfWay.user.id });
      return render(res, 401, 'secondStep', { title: 'Enter the code from your app', csrf: halfWay.csrfToken, returnTo: returnToOf(req), ...errorsOf(codeProblem) });
    }
    await finishSignIn(req, res, halfWay);
    if (used === 'recoveryCode') {
      const left = await store.recoveryCodesLeft(halfWay.user.id);
      return render(res, 200, 'recoveryCodeUsed', { title: 'You signed in with a recovery code', left, returnTo: returnToOf(req) });
    }
    res.redirect(303, returnToOf(req));
  });

  /** Whoever may set up two-factor sign-in here: someone half-way through signing in who has none, or anyone signed in. */
  const setter = (res: Response) => res.locals.signedIn ?? (res.locals.halfWay && !res.locals.halfWay.user.totpSecret ? res.locals.halfWay : undefined);

  // The secret being set up travels in the form, encrypted and bound to the user, until a code proves the app has it.
  const pendingFor = (userId: string, secret: string) => totp.encrypt(`${userId}:${secret}`);
  const secretFrom = (userId: string, pending: string): string | undefined => {
    try {
      const [owner, secret] = totp.decrypt(pending).split(':');
      return owner === userId ? secret : undefined;
    } catch {
      return undefined;
    }
  };

  async function setUpPage(req: Request, res: Response, who: SignedIn, status: number, secret: string, problems: Problem[] = []) {
    const { qrSvg } = await totp.enrolment(secret, who.user.email);
    render(res, status, 'twoFactorSetUp', {
      title: 'Set up two-factor sign-in',
      required: !res.locals.signedIn,
      qrSvg,
      secretText: secret.match(/.{1,4}/g)!.join(' '),
      pending: pendingFor(who.user.id, secret),
      csrf: who.csrfToken,
      returnTo: returnToOf(req),
      ...errorsOf(problems),
    });
  }

  router.get('/account/two-factor', async (req, res) => {
    const who = setter(res);
    if (!who) return res.redirect(303, signInFor('/account/two-factor'));
    if (who.user.totpSecret) {
      return render(res, 200, 'twoFactorStatus', { title: 'Two-factor sign-in', section: 'account', codesLeft: await store.recoveryCodesLeft(who.user.id) });
    }
    await setUpPage(req, res, who, 200, totp.newSecret());
  });

  router.post('/account/two-factor', async (req, res) => {
    const who = setter(res);
    const body = req.body as FormBody;
    if (!who || !csrfMatches(who, body._csrf)) return forbidden(res);
    if (who.user.totpSecret) return res.redirect(303, '/account/two-factor');
    const secret = secretFrom(who.user.id, textOf(body, 'pending'));
    if (!secret) return setUpPage(req, res, who, 422, totp.newSecret(), setUpProblem);
    const result = await users.setUpTwoFactor(who.user.id, secret, textOf(body, 'code'));
    if (!result.ok) return setUpPage(req, res, who, 422, secret, setUpProblem);
    if (!res.locals.signedIn) await finishSignIn(req, res, who);
    render(res, 200, 'recoveryCodes', { title: 'Two-factor sign-in is set up', recoveryCodes: result.recoveryCodes, returnTo: returnToOf(req) });
  });

  return router;
}
