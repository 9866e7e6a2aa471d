import { Router, type Response } from 'express';
import { z } from 'zod';
import { mayIssueApiTokens } from '../../../access.js';
import { tokenLabelSchema } from '../../../auth/users.js';
import { londonDateTime } from '../../../calendar/londonTime.js';
import type { Services } from '../../../services.js';
import { textOf, type FormBody } from '../../formFields.js';
import { formErrors, noErrors, schemaIssues } from '../forms/problems.js';
import { readFields } from '../forms/reader.js';
import { showSimpleForm, type SimpleForm } from '../forms/simpleForm.js';
import type { ProblemViews } from '../problemViews.js';
import type { StaffRender } from '../render.js';
import { sessionCookie } from '../staffSession.js';
import { changePasswordFields, newTokenFields } from './fields.js';

const passwordForm: SimpleForm = {
  title: 'Change your password',
  intro: ['Changing your password signs you out everywhere else: any other browser or device you are signed in on.'],
  action: '/account/password',
  button: 'Change password',
  cancel: '/account',
  section: 'account',
  fields: changePasswordFields,
};

const tokenForm: SimpleForm = {
  title: 'Issue an API token',
  intro: ['An API token lets a program use the service as you, through its JSON API. It works for 90 days, or until you revoke it.'],
  action: '/account/tokens/new',
  button: 'Issue the token',
  cancel: '/account/tokens',
  section: 'account',
  fields: newTokenFields,
};

const tokenStatus = (t: { revokedAt: string | null; expiresAt: string }, now: string) => (t.revokedAt ? 'Revoked' : t.expiresAt <= now ? 'Expired' : 'Active');
const mustSetUpTwoFactor = [{ rule: 'twoFactor', message: 'Set up two-factor sign-in first: only users who sign in with two steps can issue API tokens here.' }];

/** A user's own account: their password, their signed-in sessions and their API tokens. */
export function accountRoutes(services: Services, render: StaffRender, problems: ProblemViews): Router {
  const { users, staffSessions, store, clock, config } = services;
  const router = Router();
  const show = showSimpleForm(render);
  const cookie = sessionCookie(config.baseUrl);
  const me = (res: Response) => res.locals.signedIn!;

  router.get('/account', async (_req, res) => {
    const { user, tokenHash } = me(res);
    const sessions = await staffSessions.of(user.id);
    render(res, 200, 'account', {
      title: 'Your account',
      section: 'account',
      user: { name: user.name, email: user.email, role: user.role },
      twoFactor: user.totpSecret !== null,
      twoFactorRequired: config.twoFactorRoles.includes(user.role),
      sessions: sessions.map((s) => ({
        id: s.tokenHash,
        current: s.tokenHash === tokenHash,
        browser: s.userAgent ?? 'Unknown browser',
        signedIn: londonDateTime(s.createdAt),
        lastUsed: londonDateTime(s.lastSeenAt),
      })),
    });
  });

  router.get('/account/password', (_req, res) => show(res, 200, passwordForm, {}, noErrors));

  router.post('/account/password', async (req, res) => {
    const body = req.body as FormBody;
    const read = readFields(changePasswordFields, body);
    const missing = schemaIssues(z.object({ currentPassword: z.string(), newPassword: z.string() }), read.payload);
    if (missing.length) return show(res, 422, passwordForm, {}, formErrors(changePasswordFields, read, missing));
    const { user, tokenHash } = me(res);
    const result = await users.changePassword(user, textOf(body, 'currentPassword'), textOf(body, 'newPassword'));
    if (!result.ok) return show(res, 422, passwordForm, {}, formErrors(changePasswordFields, read, result.issues));
    await staffSessions.endAllOf(user.id, tokenHash);
    await store.setFlash(tokenHash, { title: 'Your password has been changed', lines: ['You have been signed out everywhere else.'] });
    res.redirect(303, '/account');
  });

  router.post('/account/sessions/end', async (req, res) => {
    const { user, tokenHash } = me(res);
    const chosen = textOf(req.body as FormBody, 'session');
    const mine = (await staffSessions.of(user.id)).find((s) => s.tokenHash === chosen);
    if (!mine) return problems.notFound(res);
    await staffSessions.end(mine.tokenHash);
    if (mine.tokenHash === tokenHash) {
      cookie.clear(res);
      return res.redirect(303, '/sign-in?signedOut=1');
    }
    await store.setFlash(tokenHash, { title: 'Session ended', lines: ['That browser has been signed out.'] });
    res.redirect(303, '/account');
  });

  router.get('/account/tokens', async (_req, res) => {
    const { user } = me(res);
    const now = clock().toISOString();
    const tokens = await store.apiTokensOf(user.id);
    render(res, 200, 'apiTokens', {
      title: 'Your API tokens',
      section: 'account',
      mayIssue: mayIssueApiTokens(user),
      tokens: tokens.map((t) => ({ id: t.id, label: t.label, issued: londonDateTime(t.createdAt), expires: londonDateTime(t.expiresAt), status: tokenStatus(t, now), active: tokenStatus(t, now) === 'Active' })),
    });
  });

  router.get('/account/tokens/new', (_req, res) => (mayIssueApiTokens(me(res).user) ? show(res, 200, tokenForm, {}, noErrors) : problems.forbidden(res, mustSetUpTwoFactor)));

  router.post('/account/tokens/new', async (req, res) => {
    const { user } = me(res);
    if (!mayIssueApiTokens(user)) return problems.forbidden(res, mustSetUpTwoFactor);
    const body = req.body as FormBody;
    const read = readFields(newTokenFields, body);
    const issues = schemaIssues(z.object({ label: tokenLabelSchema }), { label: '', ...read.payload });
    if (issues.length) return show(res, 422, tokenForm, body, formErrors(newTokenFields, read, issues));
    const label = tokenLabelSchema.parse(read.payload.label);
    const token = await users.createToken(user.id, { label });
    render(res, 201, 'apiTokenIssued', { title: 'Your new API token', section: 'account', label, token });
  });

  router.post('/account/tokens/:id/revoke', async (req, res) => {
    const { user, tokenHash } = me(res);
    if (!(await store.revokeApiToken(user.id, req.params.id, clock().toISOString()))) return problems.notFound(res);
    await store.setFlash(tokenHash, { title: 'Token revoked', lines: ['It no longer works.'] });
    res.redirect(303, '/account/tokens');
  });

  return router;
}
