import express, { Router, type Express } from 'express';
import type { Services } from '../../services.js';
import { useLayout } from '../pages.js';
import { accountRoutes } from './account/routes.js';
import { setUpRoutes } from './account/setUpRoutes.js';
import { adminRoutes } from './admin/routes.js';
import { caseloadPage, caseloadRoutes } from './caseload/routes.js';
import { caseHistoryRoutes } from './caseHistory/routes.js';
import { casePageRoutes } from './casePage/routes.js';
import { dashboardRoutes } from './dashboard/routes.js';
import { eventFormRoutes } from './eventForm/routes.js';
import { newReferralRoutes } from './newReferral/routes.js';
import { problemViews } from './problemViews.js';
import { staffRenderer } from './render.js';
import { reportRoutes } from './reports/routes.js';
import { retentionRoutes } from './retention/routes.js';
import { supervisionRoutes } from './supervision/routes.js';
import { signInRoutes } from './signIn/routes.js';
import { subjectAccessRoutes } from './subjectAccess/routes.js';
import { twoFactorRoutes } from './twoFactor/routes.js';
import { csrfOk, requireSignIn, resumeStaffSession } from './staffSession.js';

/**
 * The staff app: sign-in (with its second step), then the dashboard (supervisors), the
 * caseload, the case page and a form for every step, the case's audited history, the
 * reports, each user's own account, and the admins' pages.
 * Sessions are held on the server; every page but sign-in needs one, and every
 * form that changes something carries the session's anti-forgery token.
 */
export function setUpStaffPages(app: Express, services: Services) {
  const render = staffRenderer(services);
  const problems = problemViews(render);
  const router = Router();
  router.use(useLayout('staff'));
  router.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 2000 }));
  // A body sent as anything but a form is read as an empty form (express 5 leaves req.body undefined): refused, never a 500.
  router.use((req, _res, next) => {
    req.body ??= {};
    next();
  });
  router.use(resumeStaffSession(services));
  router.use(signInRoutes(services, render, problems.forbidden));
  // Open before the sign-in is complete: the second step, setting up two-factor sign-in, and a new user's set-up link.
  router.use(twoFactorRoutes(services, render, problems.forbidden));
  router.use(setUpRoutes(services, render, problems.forbidden));
  router.use(requireSignIn);
  // The confirmation of the step just taken: shown once, on the next page.
  router.use(async (req, res, next) => {
    const { signedIn } = res.locals;
    if (req.method === 'GET' && signedIn?.flash) {
      res.locals.flash = signedIn.flash;
      await services.store.clearFlash(signedIn.tokenHash);
    }
    next();
  });
  router.use((req, res, next) => (req.method === 'POST' && res.locals.signedIn && !csrfOk(res, req.body) ? problems.forbidden(res) : next()));
  router.use(dashboardRoutes(services, render, caseloadPage(services, render)));
  router.use(caseloadRoutes(services, render));
  router.use(supervisionRoutes(services, render, problems));
  router.use(reportRoutes(services, render, problems));
  router.use(retentionRoutes(services, render, problems));
  router.use(newReferralRoutes(services, render, problems));
  router.use(casePageRoutes(services, render, problems));
  router.use(caseHistoryRoutes(services, render, problems));
  router.use(subjectAccessRoutes(services, render, problems));
  router.use(eventFormRoutes(services, render, problems));
  router.use(accountRoutes(services, render, problems));
  router.use(adminRoutes(services, render, problems));
  app.use(router);
}
