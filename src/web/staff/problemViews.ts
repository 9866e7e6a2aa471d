import type { Response } from 'express';
import { eventLabels } from '../../../machines/case/eventLabels.js';
import type { EventType } from '../../../machines/case/events.js';
import type { Reason } from '../../../machines/case/index.js';
import type { StaffRender } from './render.js';

export interface ProblemLink {
  text: string;
  href: string;
  event?: string;
}

/** The event forms a staff member may open on a case now, as links carrying the API's event name. */
export const eventLinks = (caseId: string, events: readonly EventType[]): ProblemLink[] =>
  events.map((type) => ({ text: eventLabels[type], href: `/cases/${caseId}/events/${type}`, event: type }));

/** The staff app's pages for when something stops a request: each says what happened and what can be done now. */
export function problemViews(render: StaffRender) {
  const page = (res: Response, status: number, model: { title: string; paragraphs: string[]; reasons?: Reason[]; actions?: ProblemLink[]; links?: ProblemLink[]; changes?: { text: string }[] }) =>
    render(res, status, 'problem', model);

  return {
    /** A form without its anti-forgery token, or a step this role may not take. */
    forbidden: (res: Response, reasons: Reason[] = []) =>
      page(res, 403, {
        title: reasons.length ? 'You cannot do this' : 'This form has expired',
        paragraphs: reasons.length
          ? ['Nothing has been changed.']
          : ['The form was not sent from this service, or it is too old to be trusted. Nothing has been changed.', 'Go back, reload the page and try again.'],
        reasons,
        links: [{ text: 'Go to your cases', href: '/' }],
      }),
    notFound: (res: Response) =>
      page(res, 404, {
        title: 'Case not found',
        paragraphs: ['There is no case at this address that you can see. Cases are shown only to their allocated facilitators and to supervisors.'],
        links: [{ text: 'Go to your cases', href: '/' }],
      }),
    /** The chart does not allow the step now: why, and what can happen instead. */
    notAllowedNow: (res: Response, caseId: string, type: EventType, reasons: Reason[], allowed: readonly EventType[]) =>
      page(res, 409, {
        title: `You cannot ${eventLabels[type].charAt(0).toLowerCase()}${eventLabels[type].slice(1)} now`,
        paragraphs: ['Nothing has been changed.'],
        reasons,
        actions: eventLinks(caseId, allowed),
        links: [{ text: 'Back to the case', href: `/cases/${caseId}` }],
      }),
    /** The case changed after the form was opened: what changed, and a way to start again. */
    changedSince: (res: Response, caseId: string, type: EventType, changes: { text: string }[]) =>
      page(res, 409, {
        title: 'The case has changed since you opened this form',
        paragraphs: ['Someone else updated the case, so what you entered was not saved. Nothing has been changed by this form.'],
        changes,
        links: [
          { text: 'Start again with the case as it is now', href: `/cases/${caseId}/events/${type}` },
          { text: 'Back to the case', href: `/cases/${caseId}` },
        ],
      }),
  };
}

export type ProblemViews = ReturnType<typeof problemViews>;
