import { Router, type Request, type Response } from 'express';
import type { Services } from '../../../services.js';
import { textOf, type FormBody } from '../../formFields.js';
import { formErrors, noErrors } from '../forms/problems.js';
import { readFields } from '../forms/reader.js';
import { showSimpleForm, type SimpleForm } from '../forms/simpleForm.js';
import type { StaffRender } from '../render.js';
import { tooManyAttempts } from '../signIn/view.js';
import { setUpPasswordFields } from './fields.js';

const formFor = (token: string): SimpleForm => ({
  title: 'Choose your password',
  intro: ['You need it to sign in to the case system, with your email address.'],
  action: `/account/set-up/${token}`,
  button: 'Save my password',
  section: 'signIn',
  fields: setUpPasswordFields,
});

/**
 * /account/set-up/<token>: a new user, with no session yet, chooses their password
 * through the single-use link emailed to them. An unknown, used or expired link gets
 * one page, and counts as a failure towards the address's back-off.
 */
export function setUpRoutes(services: Services, render: StaffRender, forbidden: (res: Response) => void): Router {
  const { users, linkTokens, accessGuard, clock } = services;
  const router = Router();
  const show = showSimpleForm(render);

  async function linkOr(req: Request, res: Response) {
    const ip = req.ip ?? 'unknown';
    const wait = await accessGuard.blocked('setup_link', ip);
    if (wait) return void tooManyAttempts(render, res, { until: wait, now: clock() });
    const link = await users.setupLinkFor(String(req.params.token));
    if (link) return link;
    await accessGuard.failed('setup_link', { ip });
    render(res, 404, 'setupLinkProblem', { title: 'This link does not work', section: 'signIn' });
  }

  router.get('/account/set-up/:token', async (req, res) => {
    const link = await linkOr(req, res);
    if (link) show(res, 200, formFor(req.params.token), {}, noErrors, linkTokens.csrfFor(`setup:${link.id}`));
  });

  router.post('/account/set-up/:token', async (req, res) => {
    const link = await linkOr(req, res);
    if (!link) return;
    const body = req.body as FormBody;
    const csrf = linkTokens.csrfFor(`setup:${link.id}`);
    if (!linkTokens.csrfMatches(`setup:${link.id}`, body._csrf)) return forbidden(res);
    const result = await users.completeSetup(req.params.token, textOf(body, 'password'));
    if (result.ok) return render(res, 200, 'setupDone', { title: 'Your password is saved', section: 'signIn' });
    if ('gone' in result) return render(res, 404, 'setupLinkProblem', { title: 'This link does not work', section: 'signIn' });
    show(res, 422, formFor(req.params.token), {}, formErrors(setUpPasswordFields, readFields(setUpPasswordFields, body), result.issues), csrf);
  });

  return router;
}
