import { Router, type Response } from 'express';
import { mayAdminister, staffCaller } from '../../../access.js';
import { londonDateTime } from '../../../calendar/londonTime.js';
import type { Services } from '../../../services.js';
import type { FormBody } from '../../formFields.js';
import { formErrors, noErrors, schemaIssues } from '../forms/problems.js';
import { readFields } from '../forms/reader.js';
import { showSimpleForm, type SimpleForm } from '../forms/simpleForm.js';
import type { ProblemViews } from '../problemViews.js';
import type { StaffRender } from '../render.js';
import { invitedUserSchema } from '../../../auth/users.js';
import { newUserFields } from './fields.js';

const onlyAdmins = [{ rule: 'role', message: 'Only administrators manage user accounts.' }];
const roleWords: Record<string, string> = { facilitator: 'Facilitator', supervisor: 'Supervisor', admin: 'Administrator' };
const failureWords: Record<string, string> = {
  password: 'Wrong email or password',
  second_step: 'Wrong code at the second step',
  api_token: 'API token not valid',
  link: 'Party link not valid',
  setup_link: 'Set-up link not valid',
};

const newUserForm: SimpleForm = {
  title: 'Add a user',
  intro: ['They will get an email with a link to choose their password. The link works once, for 3 days. No password is ever sent by email.'],
  action: '/admin/users/new',
  button: 'Add the user',
  cancel: '/admin',
  section: 'admin',
  fields: newUserFields,
};

/** /admin: the admins' pages for accounts: the list of users, adding one, disabling one, resetting two-factor sign-in, and failed access. */
export function adminRoutes(services: Services, render: StaffRender, problems: ProblemViews): Router {
  const { store, users, staffSessions, clock } = services;
  const router = Router();
  const show = showSimpleForm(render);
  // Every /admin page is for admins alone.
  router.use('/admin', (_req, res, next) => (mayAdminister(staffCaller(res.locals.signedIn!.user)) ? next() : problems.forbidden(res, onlyAdmins)));

  const userOr404 = async (res: Response, id: string) => {
    const user = await store.userById(id);
    if (!user) problems.notFound(res);
    return user;
  };

  router.get('/admin', async (_req, res) => {
    const all = await store.allUsers();
    render(res, 200, 'adminUsers', {
      title: 'Users',
      section: 'admin',
      users: all.map((u) => ({
        id: u.id,
        name: u.name,
        email: u.email,
        role: roleWords[u.role],
        status: u.disabledAt ? 'Disabled' : 'Active',
        twoFactor: u.totpSecret ? 'Set up' : 'Not set up',
        lastSignIn: u.lastSignInAt ? londonDateTime(u.lastSignInAt) : 'Never',
      })),
    });
  });

  router.get('/admin/users/new', (_req, res) => show(res, 200, newUserForm, {}, noErrors));

  router.post('/admin/users/new', async (req, res) => {
    const body = req.body as FormBody;
    const read = readFields(newUserFields, body);
    const issues = read.problems.length ? schemaIssues(invitedUserSchema, read.payload) : [];
    if (read.problems.length) return show(res, 422, newUserForm, body, formErrors(newUserFields, read, issues));
    const result = await users.inviteUser(read.payload);
    if (!result.ok) return show(res, 422, newUserForm, body, formErrors(newUserFields, read, result.issues));
    await store.setFlash(res.locals.signedIn!.tokenHash, { title: `${result.user.name} has been added`, lines: [`We are emailing ${result.user.email} a link to choose their password.`] });
    res.redirect(303, `/admin/users/${result.user.id}`);
  });

  router.get('/admin/users/:id', async (req, res) => {
    const user = await userOr404(res, req.params.id);
    if (!user) return;
    const tokens = (await store.apiTokensOf(user.id)).filter((t) => !t.revokedAt && t.expiresAt > clock().toISOString());
    render(res, 200, 'adminUser', {
      title: user.name,
      section: 'admin',
      user: { id: user.id, email: user.email, role: roleWords[user.role], disabled: user.disabledAt ? londonDateTime(user.disabledAt) : undefined, twoFactor: user.totpSecret !== null },
      lastSignIn: user.lastSignInAt ? londonDateTime(user.lastSignInAt) : 'Never',
      sessions: (await staffSessions.of(user.id)).length,
      tokens: tokens.length,
      self: user.id === res.locals.signedIn!.user.id,
    });
  });

  router.post('/admin/users/:id/disable', async (req, res) => {
    const user = await userOr404(res, req.params.id);
    if (!user) return;
    if (user.id === res.locals.signedIn!.user.id) return problems.forbidden(res, [{ rule: 'self', message: 'You cannot disable your own account: ask another administrator.' }]);
    await users.disable(user.id);
    await store.setFlash(res.locals.signedIn!.tokenHash, { title: `${user.name} is disabled`, lines: ['Their sessions and API tokens have stopped working. Their history stays.'] });
    res.redirect(303, `/admin/users/${user.id}`);
  });

  router.post('/admin/users/:id/reset-two-factor', async (req, res) => {
    const user = await userOr404(res, req.params.id);
    if (!user) return;
    await users.resetTwoFactor(user.id);
    await staffSessions.endAllOf(user.id);
    await store.setFlash(res.locals.signedIn!.tokenHash, {
      title: `${user.name}'s two-factor sign-in has been reset`,
      lines: ['They have been signed out. When they next sign in they will set it up again, with new recovery codes.'],
    });
    res.redirect(303, `/admin/users/${user.id}`);
  });

  router.get('/admin/access-failures', async (_req, res) => {
    const failures = await store.recentAccessFailures(200);
    const names = new Map((await store.usersByIds([...new Set(failures.flatMap((f) => (f.userId ? [f.userId] : [])))])).map((u) => [u.id, u.name]));
    render(res, 200, 'adminAccessFailures', {
      title: 'Failed sign-ins and access',
      section: 'admin',
      failures: failures.map((f) => ({ at: londonDateTime(f.at), kind: failureWords[f.kind], account: f.userId ? (names.get(f.userId) ?? 'A removed user') : 'No account, or none named', ip: f.ip })),
    });
  });

  return router;
}
