import Handlebars from 'handlebars';
import { Router, type Response } from 'express';
import { mayRecordSupervision, staffCaller } from '../../../access.js';
import { supervisionSession, recordSupervision } from '../../../oversight/supervision.js';
import type { Services } from '../../../services.js';
import type { FormBody } from '../../formFields.js';
import { day } from '../caseWords.js';
import type { Field } from '../forms/fields.js';
import { formErrors, noErrors, schemaIssues, type FormErrors } from '../forms/problems.js';
import { readFields } from '../forms/reader.js';
import { renderFields } from '../forms/view.js';
import { respondWithOutcome } from '../pageOutcome.js';
import type { ProblemViews } from '../problemViews.js';
import type { StaffRender } from '../render.js';
import { supervisionFields } from './fields.js';

const onlySupervisors = [{ rule: 'role', message: 'Only supervisors record supervision sessions.' }];

/** GET and POST /supervision/new: a supervisor records a practitioner's case supervision session. */
export function supervisionRoutes({ store, clock }: Services, render: StaffRender, problems: ProblemViews): Router {
  const router = Router();

  const show = (res: Response, status: number, fields: Field[], values: FormBody, errors: FormErrors) =>
    render(res, status, 'supervisionForm', {
      title: 'Record a supervision session',
      section: 'dashboard',
      fields: new Handlebars.SafeString(renderFields(fields, { values, errors })),
      errorList: errors.errorList,
    });

  router.get('/supervision/new', async (_req, res) => {
    if (!mayRecordSupervision(staffCaller(res.locals.signedIn!.user))) return problems.forbidden(res, onlySupervisors);
    show(res, 200, supervisionFields(await store.activeFacilitators()), {}, noErrors);
  });

  router.post('/supervision/new', async (req, res) => {
    const caller = staffCaller(res.locals.signedIn!.user);
    if (!mayRecordSupervision(caller)) return problems.forbidden(res, onlySupervisors);
    const facilitators = await store.activeFacilitators();
    const fields = supervisionFields(facilitators);
    const body = req.body as FormBody;
    const read = readFields(fields, body);
    if (read.problems.length) return show(res, 422, fields, body, formErrors(fields, read, schemaIssues(supervisionSession, read.payload)));
    const outcome = await recordSupervision(store, read.payload, caller, clock());
    return respondWithOutcome(res, outcome, problems, {
      invalid: (issues) => show(res, 422, fields, body, formErrors(fields, read, issues)),
      ok: async (session) => {
        const name = facilitators.find((f) => f.id === session.facilitatorId)?.name ?? 'the practitioner';
        await store.setFlash(res.locals.signedIn!.tokenHash, {
          title: 'Supervision session recorded',
          lines: [`${name}, ${day(session.heldOn)}. Their next session is due within 12 weeks of it.`],
        });
        res.redirect(303, '/#caseloads');
      },
    });
  });

  return router;
}
