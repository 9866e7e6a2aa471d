import express, { Router, type Express, type Request, type Response } from 'express';
import { londonDate, londonDay } from '../../calendar/londonTime.js';
import type { Caller } from '../../access.js';
import type { Outcome } from '../../cases/outcomes.js';
import { addDuration } from '../../cases/timing.js';
import type { Services } from '../../services.js';
import type { LinkPurpose, LinkRecord } from '../../store/store.js';
import { problemPages, sendHtml, useLayout } from '../pages.js';
import { perMinuteLimit } from '../rateLimit.js';
import { views, type PageContent } from '../views.js';
import { readFeedback } from './feedbackAnswer.js';
import { errorsOf, optionalText, problemsFromIssues, textOf, type FormBody, type Problem } from '../formFields.js';
import { informationUpdated, informationVersion, invitationFields, invitationIssues, readInvitationAnswer } from './invitationAnswer.js';
import { workingLink } from './partyLinks.js';
import { openSession, resumeSession, type SessionFields } from './partySessions.js';

const startTitles: Record<LinkPurpose, string> = {
  invitation: 'Reply to your invitation',
  withdrawal: 'Withdraw from restorative justice',
  feedback: 'Tell us what you thought of the service',
};

const withdrawalIssues = { reason: { href: '#reason', text: 'Your reason must be 2,000 characters or less' } };

/** The pages parties reach from the links in their emails: /respond/<token>, then one short form. */
export function setUpPartyPages(app: Express, services: Services) {
  app.use('/respond', respondRoutes(services));
}

function respondRoutes(services: Services): Router {
  const { config, engine, store, clock, linkTokens } = services;
  const pages = problemPages(config.service, 'party');
  const router = Router();

  const render = (res: Response, status: number, name: string, model: PageContent) =>
    sendHtml(res, status, views.page(name, { ...model, service: config.service }, 'party'));
  const bodyOf = (body: unknown): FormBody => (body && typeof body === 'object' ? (body as FormBody) : {});
  const partyOf = (link: LinkRecord): Caller => ({ kind: 'party', caseId: link.caseId, role: link.party });
  const today = () => londonDate(clock().toISOString());
  /** When a victim who says "not now" without a date is asked again. */
  const defaultReofferDate = () => londonDate(addDuration(clock().toISOString(), config.delays.reofferDefault));
  /**
   * A party's answer as the engine judged it: fields to fix go back to the form; anything else the
   * link can no longer do gets the one kind page every unusable link gets; an accepted answer is done.
   */
  const answered = (res: Response, outcome: Outcome<unknown>, fix: (issues: unknown) => void, done: () => void) => {
    if (outcome.kind === 'invalid') return fix(outcome.issues);
    if (outcome.kind !== 'ok') return sendHtml(res, 404, pages.linkProblem);
    done();
  };

  function invitationPage(res: Response, status: number, form: SessionFields, body: FormBody, problems: Problem[], dateParts: string[] = []) {
    const year = Number(today().slice(0, 4));
    render(res, status, 'invitation', {
      title: 'Restorative justice: would you like to take part?',
      form,
      values: Object.fromEntries(invitationFields.map((f) => [f, textOf(body, f)])),
      ...errorsOf(problems),
      informationUpdated: informationUpdated(informationVersion),
      exampleDate: `27 3 ${year + 1}`,
      defaultReofferDate: londonDay(defaultReofferDate()),
      reofferItems: ['day', 'month', 'year'].map((name) => ({ name, error: dateParts.includes(name) })),
    });
  }

  const withdrawalPage = (res: Response, status: number, form: SessionFields, body: FormBody, problems: Problem[]) =>
    render(res, status, 'withdrawal', { title: startTitles.withdrawal, form, values: { reason: textOf(body, 'reason') }, ...errorsOf(problems) });

  const feedbackPage = (res: Response, status: number, form: SessionFields, body: FormBody, problems: Problem[]) =>
    render(res, status, 'feedback', {
      title: startTitles.feedback,
      form,
      values: { rating: textOf(body, 'rating'), comment: textOf(body, 'comment') },
      ...errorsOf(problems),
    });

  const formPages: Record<LinkPurpose, (res: Response, form: SessionFields) => void> = {
    invitation: (res, form) => invitationPage(res, 200, form, {}, []),
    withdrawal: (res, form) => withdrawalPage(res, 200, form, {}, []),
    feedback: (res, form) => feedbackPage(res, 200, form, {}, []),
  };

  router.use(useLayout('party'), (_req, res, next) => {
    res.set('X-Robots-Tag', 'noindex');
    next();
  });
  router.use(perMinuteLimit(services, 'respond', 60, (_req, res) => sendHtml(res, 429, pages.tooManyRequests)));
  router.use(express.urlencoded({ extended: false, limit: '16kb' }));

  /** A form posted from a party's session: handled only while the session lasts and its link still works for this purpose. */
  const inSession =
    (purpose: LinkPurpose, handle: (res: Response, body: FormBody, link: LinkRecord, form: SessionFields) => Promise<void>) =>
    async (req: Request, res: Response) => {
      const body = bodyOf(req.body);
      const session = await resumeSession(services, body, purpose);
      if (session.kind === 'ended') return sendHtml(res, 403, pages.sessionEnded);
      if (session.kind === 'linkGone') return sendHtml(res, 404, pages.linkProblem);
      await handle(res, body, session.link, session.form);
    };

  router.post('/answer', inSession('invitation', async (res, body, link, form) => {
    const answer = readInvitationAnswer(body, today());
    if (!answer.event) return invitationPage(res, 422, form, body, answer.problems, answer.dateParts);
    const outcome = await engine.submit({ caseId: link.caseId, body: answer.event, caller: partyOf(link), linkId: link.id });
    answered(res, outcome, (issues) => invitationPage(res, 422, form, body, problemsFromIssues(issues, invitationIssues)), () => {
      const reofferAfter = (answer.event!.reofferAfter as string | undefined) ?? defaultReofferDate();
      render(res, 200, 'invitationDone', {
        title: 'Thank you for your answer',
        response: answer.event!.response,
        reofferDate: londonDay(reofferAfter),
        // Promise to use safe times and ways only to a victim who gave some.
        gaveSafeContact: answer.event!.safeContact !== undefined,
      });
    });
  }));

  router.post('/withdraw', inSession('withdrawal', async (res, body, link, form) => {
    const reason = optionalText(body, 'reason');
    const event = { type: 'WITHDRAW', party: link.party, ...(reason ? { reason } : {}) };
    const outcome = await engine.submit({ caseId: link.caseId, body: event, caller: partyOf(link), linkId: link.id });
    answered(res, outcome, (issues) => withdrawalPage(res, 422, form, body, problemsFromIssues(issues, withdrawalIssues)), () =>
      render(res, 200, 'withdrawalDone', { title: 'You have withdrawn your consent' }),
    );
  }));

  router.post('/feedback', inSession('feedback', async (res, body, link, form) => {
    const answer = readFeedback(body);
    if (answer.rating === undefined) return feedbackPage(res, 422, form, body, answer.problems);
    const saved = await store.saveFeedback({
      caseId: link.caseId,
      party: link.party,
      linkId: link.id,
      rating: answer.rating,
      comment: answer.comment ?? null,
      at: clock().toISOString(),
    });
    if (!saved) return sendHtml(res, 404, pages.linkProblem);
    render(res, 200, 'feedbackDone', { title: 'Thank you for your feedback' });
  }));

  /**
   * The working link behind the token. A token that opens none counts towards the address's
   * back-off (an audit entry), and while the address must wait, no token is looked at.
   */
  const linkOr = async (req: Request, res: Response) => {
    const ip = req.ip ?? 'unknown';
    if (await services.accessGuard.blocked('link', ip)) return void sendHtml(res, 429, pages.tooManyRequests);
    const link = await workingLink(services, String(req.params.token));
    if (link) return link;
    await services.accessGuard.failed('link', { ip });
    sendHtml(res, 404, pages.linkProblem);
  };

  // Mail scanners open links before people do, so opening a working one changes nothing and shows nothing about the case.
  router.get('/:token', async (req, res) => {
    const link = await linkOr(req, res);
    if (!link) return;
    render(res, 200, 'linkStart', {
      title: startTitles[link.purpose],
      purpose: link.purpose,
      token: req.params.token,
      csrf: linkTokens.csrfFor(`link:${link.id}`),
    });
  });

  router.post('/:token', async (req, res) => {
    const link = await linkOr(req, res);
    if (!link) return;
    if (!linkTokens.csrfMatches(`link:${link.id}`, bodyOf(req.body)._csrf)) return sendHtml(res, 403, pages.sessionEnded);
    formPages[link.purpose](res, await openSession(services, link));
  });

  return router;
}
