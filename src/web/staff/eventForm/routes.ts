import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { eventPayloads } from '../../../../machines/case/events.js';
import { isStaffEvent, type StaffEvent } from '../../../../machines/case/permissions.js';
import { staffCaller, type StaffCaller } from '../../../access.js';
import { taskViews } from '../../../cases/caseTasks.js';
import type { Services } from '../../../services.js';
import type { CaseRecord } from '../../../store/store.js';
import { textOf, type FormBody } from '../../formFields.js';
import { actorName, entryLabel, when } from '../caseWords.js';
import type { Field, Option } from '../forms/fields.js';
import { formErrors, noErrors, schemaIssues, type FormErrors } from '../forms/problems.js';
import { readFields } from '../forms/reader.js';
import { applyListAction } from '../forms/view.js';
import { respondWithOutcome } from '../pageOutcome.js';
import type { ProblemViews } from '../problemViews.js';
import type { StaffRender } from '../render.js';
import { confirmationOf } from './confirmation.js';
import { checkAnswersPresenter, eventFormPresenter, type EventFormState } from './presenter.js';
import { eventForms, type FormContext } from './registry.js';

/** GET and POST /cases/:id/events/:type: the form for one event, checked by the event's own schema and the chart. */
export function eventFormRoutes(services: Services, render: StaffRender, problems: ProblemViews): Router {
  const { engine, store } = services;
  const router = Router();

  /** The case and the form the request is for, or the page that says why there is none. */
  async function load(req: Request, res: Response): Promise<{ record: CaseRecord; caller: StaffCaller; type: StaffEvent; ctx: FormContext } | undefined> {
    const type = String(req.params.type);
    const caller = staffCaller(res.locals.signedIn!.user);
    const record = await store.caseById(String(req.params.id));
    const view = engine.present(record, caller);
    if (!record || !view || !isStaffEvent(type)) {
      problems.notFound(res);
      return undefined;
    }
    const [facilitators, tasks] = await Promise.all([store.activeFacilitators(), store.openTasks(record.id)]);
    return { record, caller, type, ctx: { view, facilitators, tasks: taskViews(tasks) } };
  }

  /**
   * The options the chart would accept now: where the event's variants list every value a
   * field can take (the answer, the process, the closure reason, the item), an option no
   * accepted variant has is not offered ("conference" when only indirect contact is allowed).
   */
  function offeredOptions(record: CaseRecord, caller: StaffCaller, type: StaffEvent) {
    const { all, allowed } = engine.optionsFor(record, caller, type);
    return (field: Field, option: Option) => {
      const listed = (field.kind === 'radios' || field.kind === 'checkboxes') && field.options.every((o) => all.some((v) => v[field.name] === o.value));
      return !listed || allowed.some((v) => v[field.name] === option.value);
    };
  }

  const state = (loaded: NonNullable<Awaited<ReturnType<typeof load>>>, values: FormBody, errors: FormErrors): EventFormState => ({
    type: loaded.type,
    form: eventForms[loaded.type],
    ctx: loaded.ctx,
    values,
    errors,
    offered: offeredOptions(loaded.record, loaded.caller, loaded.type),
    version: textOf(values, 'version') || String(loaded.record.version),
    idempotencyKey: textOf(values, 'idempotencyKey') || randomUUID(),
  });
  const showForm = (res: Response, status: number, s: EventFormState) => render(res, status, 'eventForm', { ...eventFormPresenter(s), section: 'cases' });

  router.get('/cases/:id/events/:type', async (req, res) => {
    const loaded = await load(req, res);
    if (!loaded) return;
    const { record, caller, type, ctx } = loaded;
    const offer = engine.offer(record, caller, type);
    if (offer.kind !== 'ok') {
      return respondWithOutcome(res, offer, problems, { ok: () => undefined, invalid: () => undefined, step: { caseId: record.id, type, changedSince: async () => undefined } });
    }
    // A link may name the item or task the form is for (?itemId=…, ?taskId=…).
    const chosen = Object.fromEntries(Object.entries(req.query).filter(([k, v]) => typeof v === 'string' && /^(itemId|taskId|party)$/.test(k)));
    showForm(res, 200, state(loaded, { ...eventForms[type].prefill?.(ctx, chosen), ...chosen }, noErrors));
  });

  router.post('/cases/:id/events/:type', async (req, res) => {
    const loaded = await load(req, res);
    if (!loaded) return;
    const { record, caller, type, ctx } = loaded;
    const body = req.body as FormBody;
    const form = eventForms[type];
    const listAction = textOf(body, 'listAction');
    if (listAction) return showForm(res, 200, state(loaded, applyListAction(body, listAction), noErrors));
    const step = textOf(body, 'step');
    if (step === 'edit') return showForm(res, 200, state(loaded, body, noErrors));

    const fields = form.fields(ctx);
    const read = readFields(fields, body);
    // A field the form could not read (a date that is not one) is shown with whatever else the event's schema finds.
    if (read.problems.length) return showForm(res, 422, state(loaded, body, formErrors(fields, read, schemaIssues(eventPayloads[type], read.payload))));
    const s = state(loaded, body, noErrors);
    const request = { caseId: record.id, body: { type, ...read.payload }, caller, ifMatch: Number(s.version), idempotencyKey: s.idempotencyKey };

    const handlers = {
      invalid: (issues: Parameters<typeof formErrors>[2]) => showForm(res, 422, { ...s, errors: formErrors(fields, read, issues) }),
      step: {
        caseId: record.id,
        type,
        changedSince: async () => {
          const history = await store.history(record.id);
          const names = new Map((await store.usersByIds(history.flatMap((h) => (h.actor.id ? [h.actor.id] : [])))).map((u) => [u.id, u.name]));
          const changes = history.slice(Number(s.version)).map((h) => ({ text: `${entryLabel(h.type, h.data)}, by ${actorName(h.actor, names)}, ${when(h.at)}` }));
          problems.changedSince(res, record.id, type, changes);
        },
      },
    };

    // A weighty decision is shown back first; it is recorded only from the check-your-answers page.
    if (form.check && step !== 'confirm') {
      const checked = await engine.check(request);
      return respondWithOutcome(res, checked, problems, { ...handlers, ok: () => render(res, 200, 'checkAnswers', { ...checkAnswersPresenter(s), section: 'cases' }) });
    }
    const outcome = await engine.submit(request);
    return respondWithOutcome(res, outcome, problems, {
      ...handlers,
      ok: async (submitted) => {
        if (!submitted.replayed) await store.setFlash(res.locals.signedIn!.tokenHash, confirmationOf(type, submitted.effects, submitted.case.status !== 'closed'));
        res.redirect(303, `/cases/${record.id}`);
      },
    });
  });

  return router;
}
