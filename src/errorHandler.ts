import type { NextFunction, Request, Response } from 'express';
import type { Logger } from './logger.js';
import { routeOf } from './requestLogging.js';

const clientErrors: Record<string, string> = {
  'entity.parse.failed': 'The body is not valid JSON.',
  'entity.too.large': 'The body is too large.',
  'encoding.unsupported': 'The body encoding is not supported.',
  'charset.unsupported': 'The body charset is not supported.',
};

/** A client's mistake keeps its 4xx; anything else is a 500, logged by route only, never with what was sent. */
export function errorStatus(err: Error & { status?: number }, req: Request, logger: Logger, what: string): number {
  const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
  if (status === 500) logger.error({ err: { type: err.name, message: err.message, stack: err.stack }, route: routeOf(req) }, `${what} failed`);
  return status;
}

/** Client mistakes get their 4xx and a plain message; anything else is a 500 that reveals nothing. */
export function errorHandler(logger: Logger) {
  return (err: Error & { status?: number; type?: string }, req: Request, res: Response, next: NextFunction) => {
    const status = errorStatus(err, req, logger, 'request');
    // A response already under way can only be cut off; express's own handler closes the connection.
    if (res.headersSent) return next(err);
    const message = status === 500 ? 'Something went wrong on our side. Nothing was changed; please try again.' : (clientErrors[err.type ?? ''] ?? 'The request could not be read.');
    res.status(status).json({ error: message });
  };
}
