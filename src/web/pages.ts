import type { ErrorRequestHandler, Express, NextFunction, Request, Response } from 'express';
import type { Config } from '../config.js';
import { errorStatus } from '../errorHandler.js';
import type { Logger } from '../logger.js';
import { cspNonce } from './securityHeaders.js';
import { noncePlaceholder, views, type Layout } from './views.js';

/** Every HTML page leaves through here, with this response's script nonce in it. */
export function sendHtml(res: Response, status: number, html: string): void {
  res.status(status).type('html').send(html.replaceAll(noncePlaceholder, cspNonce(res)));
}

/**
 * The pages people see when something stops them: each is rendered once, so
 * it is the same, byte for byte, whatever the reason behind it.
 */
export function problemPages(service: Config['service'], layout: Layout) {
  const page = (name: string, title: string) => views.page(name, { title, service }, layout);
  return {
    linkProblem: page('linkProblem', 'This link does not work'),
    sessionEnded: page('sessionEnded', 'Your session has ended'),
    notFound: page('notFound', 'Page not found'),
    tooManyRequests: page('tooManyRequests', 'Sorry, there have been too many requests'),
    requestProblem: page('requestProblem', 'Sorry, we could not read what was sent'),
    serviceProblem: page('serviceProblem', 'Sorry, there is a problem with the service'),
  };
}
export type ProblemPages = ReturnType<typeof problemPages>;

/** The problem pages for each layout, rendered once when the app starts. */
export function problemPagesByLayout(service: Config['service']): Record<Layout, ProblemPages> {
  return { party: problemPages(service, 'party'), staff: problemPages(service, 'staff'), dev: problemPages(service, 'dev') };
}

/** The layout the router that took the request chose (`res.locals.layout`); the staff app's otherwise. */
export const layoutOf = (res: Response): Layout => (res.locals.layout as Layout | undefined) ?? 'staff';

/** Sets the layout of every page, problem pages included, a router answers with. */
export const useLayout = (layout: Layout) => (_req: Request, res: Response, next: NextFunction) => {
  res.locals.layout = layout;
  next();
};

/** Errors on pages become pages: a client's mistake (an unreadable or oversized form) keeps its 4xx; anything else is a 500 that reveals nothing. */
export function pageErrorHandler(pages: Record<Layout, ProblemPages>, logger: Logger): ErrorRequestHandler {
  return (err: Error & { status?: number }, req, res, next) => {
    const status = errorStatus(err, req, logger, 'page request');
    if (res.headersSent) return next(err);
    const { serviceProblem, requestProblem } = pages[layoutOf(res)];
    sendHtml(res, status, status === 500 ? serviceProblem : requestProblem);
  };
}

/** Unknown routes get a page in the layout of the router they fell through (the API answers its own unknown routes in JSON). */
export function setUpNotFound(app: Express, pages: Record<Layout, ProblemPages>) {
  app.use((_req, res) => sendHtml(res, 404, pages[layoutOf(res)].notFound));
}
