import { randomUUID } from 'node:crypto';
import Handlebars from 'handlebars';
import { Router, type Response } from 'express';
import { canSee, mayEnterReferrals, staffCaller } from '../../../access.js';
import { referralSchema } from '../../../cases/referral.js';
import type { Services } from '../../../services.js';
import { textOf, type FormBody } from '../../formFields.js';
import { formErrors, noErrors, schemaIssues, type FormErrors } from '../forms/problems.js';
import { readFields } from '../forms/reader.js';
import { renderFields } from '../forms/view.js';
import { respondWithOutcome } from '../pageOutcome.js';
import type { ProblemViews } from '../problemViews.js';
import type { StaffRender } from '../render.js';
import { referralFields } from './fields.js';

/** GET and POST /cases/new: a referral entered by staff becomes a case, waiting for a supervisor to screen it. */
export function newReferralRoutes({ engine, store }: Services, render: StaffRender, problems: ProblemViews): Router {
  const router = Router();

  const show = (res: Response, status: number, values: FormBody, errors: FormErrors) =>
    render(res, status, 'newReferral', {
      title: 'New referral',
      section: 'newReferral',
      fields: new Handlebars.SafeString(renderFields(referralFields, { values, errors })),
      idempotencyKey: textOf(values, 'idempotencyKey') || randomUUID(),
      errorList: errors.errorList,
    });

  router.get('/cases/new', (_req, res) => {
    if (!mayEnterReferrals(staffCaller(res.locals.signedIn!.user))) return problems.forbidden(res, [{ rule: 'role', message: 'Only facilitators and supervisors can enter referrals.' }]);
    show(res, 200, {}, noErrors);
  });

  router.post('/cases/new', async (req, res) => {
    const caller = staffCaller(res.locals.signedIn!.user);
    if (!mayEnterReferrals(caller)) return problems.forbidden(res, [{ rule: 'role', message: 'Only facilitators and supervisors can enter referrals.' }]);
    const body = req.body as FormBody;
    const read = readFields(referralFields, body);
    if (read.problems.length) return show(res, 422, body, formErrors(referralFields, read, schemaIssues(referralSchema, read.payload)));
    const outcome = await engine.createCase(read.payload, caller, textOf(body, 'idempotencyKey') || undefined);
    return respondWithOutcome(res, outcome, problems, {
      invalid: (issues) => show(res, 422, body, formErrors(referralFields, read, issues)),
      ok: async (view) => {
        // A facilitator sees a case once it is allocated to them; until then they go back to their caseload.
        const visible = canSee(caller, { id: view.id, facilitatorIds: view.facilitatorIds });
        await store.setFlash(res.locals.signedIn!.tokenHash, {
          title: `Referral entered: ${view.reference}`,
          lines: [
            'A supervisor screens it next: they accept it and allocate facilitators, or decline it.',
            ...(visible ? [] : ['It will appear in your cases once it is allocated to you.']),
          ],
        });
        res.redirect(303, visible ? `/cases/${view.id}` : '/');
      },
    });
  });

  return router;
}
