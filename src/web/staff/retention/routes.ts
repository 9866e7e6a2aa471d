import { Router, type Response } from 'express';
import { mayManagePersonalData, staffCaller, type StaffCaller } from '../../../access.js';
import { londonDate } from '../../../calendar/londonTime.js';
import { erasureSchema, holdSchema, upcomingDays } from '../../../privacy/privacyService.js';
import type { Outcome } from '../../../cases/outcomes.js';
import type { Services } from '../../../services.js';
import type { z } from 'zod';
import type { FormBody } from '../../formFields.js';
import { day } from '../caseWords.js';
import { formErrors, noErrors, schemaIssues } from '../forms/problems.js';
import { readFields } from '../forms/reader.js';
import { showSimpleForm, type SimpleForm } from '../forms/simpleForm.js';
import { respondWithOutcome } from '../pageOutcome.js';
import type { ProblemViews } from '../problemViews.js';
import type { StaffRender } from '../render.js';
import { erasureFields, holdFields } from './fields.js';
import { retentionRow } from './presenter.js';

const onlySupervisors = [{ rule: 'role', message: 'Only supervisors manage a case’s personal data.' }];

/**
 * /retention: the closed cases coming up for anonymisation, and for each case
 * its legal hold (placed and lifted with a reason) and erasure on request.
 */
export function retentionRoutes({ store, clock, privacy }: Services, render: StaffRender, problems: ProblemViews): Router {
  const router = Router();
  const show = showSimpleForm(render);
  const supervisorOnly = (res: Response) => (mayManagePersonalData(staffCaller(res.locals.signedIn!.user)) ? true : (problems.forbidden(res, onlySupervisors), false));

  router.get('/retention', async (_req, res) => {
    if (!supervisorOnly(res)) return;
    const outcome = await privacy.upcoming(staffCaller(res.locals.signedIn!.user));
    if (outcome.kind !== 'ok') return problems.forbidden(res, onlySupervisors);
    const today = londonDate(clock().toISOString());
    render(res, 200, 'retention', { title: 'Cases due for anonymisation', section: 'retention', days: upcomingDays, cases: outcome.value.map((r) => retentionRow(r, today)) });
  });

  /** The case for a form, if the supervisor may see it: a closed one for a hold. */
  const caseFor = async (res: Response, id: string) => {
    if (!supervisorOnly(res)) return undefined;
    const record = await store.caseById(id);
    if (!record) problems.notFound(res);
    return record;
  };

  /** A supervisor's form on one case: shown, read, checked by the service's own schema, then done or shown again with its errors. */
  function formRoute<T>(
    path: string,
    form: (reference: string, id: string) => SimpleForm,
    schema: z.ZodType,
    run: (id: string, payload: unknown, caller: StaffCaller) => Promise<Outcome<T>>,
    done: (res: Response, id: string, value: T) => Promise<void>,
  ) {
    router.get(`/cases/:id/${path}`, async (req, res) => {
      const record = await caseFor(res, req.params.id);
      if (record) show(res, 200, form(record.reference, record.id), {}, noErrors);
    });
    router.post(`/cases/:id/${path}`, async (req, res) => {
      const record = await caseFor(res, req.params.id);
      if (!record) return;
      const f = form(record.reference, record.id);
      const body = req.body as FormBody;
      const read = readFields(f.fields, body);
      if (read.problems.length) return show(res, 422, f, body, formErrors(f.fields, read, schemaIssues(schema, read.payload)));
      const outcome = await run(record.id, read.payload, staffCaller(res.locals.signedIn!.user));
      await respondWithOutcome(res, outcome, problems, {
        invalid: (issues) => show(res, 422, f, body, formErrors(f.fields, read, issues)),
        ok: (value) => done(res, record.id, value),
      });
    });
  }

  const flashAndGo = async (res: Response, to: string, title: string, lines: string[]) => {
    await store.setFlash(res.locals.signedIn!.tokenHash, { title, lines });
    res.redirect(303, to);
  };

  formRoute('erase', erasureForm, erasureSchema, privacy.erase, (res, id, { erasedEntries }) =>
    flashAndGo(res, `/cases/${id}`, 'Personal data erased', [
      `${erasedEntries} history ${erasedEntries === 1 ? 'entry' : 'entries'} now show that their content was erased, and why. The case’s coded record stays.`,
    ]),
  );
  formRoute('legal-hold', holdForm(true), holdSchema, privacy.placeHold, (res) =>
    flashAndGo(res, '/retention', 'Legal hold placed', ['The case’s personal content will be kept until the hold is lifted.']),
  );
  formRoute('legal-hold/lift', holdForm(false), holdSchema, privacy.liftHold, async (res, id) => {
    const retention = await store.retention(id);
    await flashAndGo(res, '/retention', 'Legal hold lifted', [
      `The case will be anonymised on ${retention ? day(retention.retainUntil) : 'its retention date'}, or at the next daily sweep if that date has passed.`,
    ]);
  });

  return router;
}

const erasureForm = (reference: string, id: string): SimpleForm => ({
  title: `Erase personal data from ${reference}`,
  intro: [
    'This erases the person’s name and contact details, their answers, their supporters, and the case’s notes and free text. It cannot be undone.',
    'The case’s coded record stays: its stages, dates, closure reason and risk level, so reports still count it. The history shows when and why the content was erased.',
  ],
  action: `/cases/${id}/erase`,
  button: 'Erase the personal data',
  cancel: `/cases/${id}`,
  section: 'cases',
  fields: erasureFields,
});

const holdForm =
  (placing: boolean) =>
  (reference: string, id: string): SimpleForm => ({
    title: placing ? `Place a legal hold on ${reference}` : `Lift the legal hold on ${reference}`,
    intro: placing
      ? ['A legal hold keeps the case’s personal content past its retention date, until a supervisor lifts it.']
      : ['Once lifted, the case is anonymised at its retention date, or at the next daily sweep if that date has passed.'],
    action: `/cases/${id}/${placing ? 'legal-hold' : 'legal-hold/lift'}`,
    button: placing ? 'Place the hold' : 'Lift the hold',
    cancel: '/retention',
    section: 'retention',
    fields: holdFields(placing),
  });
