import type { ErrorRequestHandler, Express } from 'express';
import type { Config } from '../config.js';
import { errorStatus } from '../errorHandler.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services.js';
import { views } from './views.js';

/**
 * The pages people see when something stops them: each is rendered once, so
 * it is the same, byte for byte, whatever the reason behind it.
 */
export function problemPages(service: Config['service'], options: { exitThisPage: boolean }) {
  const page = (name: string, title: string) => views.page(name, { title, service, exitThisPage: options.exitThisPage });
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

/** Errors on pages become pages: a client's mistake (an unreadable or oversized form) keeps its 4xx; anything else is a 500 that reveals nothing. */
export function pageErrorHandler(pages: ProblemPages, logger: Logger): ErrorRequestHandler {
  return (err: Error & { status?: number }, req, res, next) => {
    const status = errorStatus(err, req, logger, 'page request');
    if (res.headersSent) return next(err);
    res.status(status).type('html').send(status === 500 ? pages.serviceProblem : pages.requestProblem);
  };
}

/** Unknown routes get a page (the API answers its own unknown routes in JSON). */
export function setUpNotFound(app: Express, services: Services) {
  const { notFound } = problemPages(services.config.service, { exitThisPage: false });
  app.use((_req, res) => void res.status(404).type('html').send(notFound));
}
