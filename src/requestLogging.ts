import { AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Express, Request } from 'express';
import { withRequestId, type Logger } from './logger.js';

/** An id a trusted proxy may hand on: short, and nothing a log reader could mistake for anything else. */
const forwardedId = /^[A-Za-z0-9._:-]{8,64}$/;

/**
 * The route a request matched, as its pattern (`/respond/:token`), never the URL itself:
 * URLs carry link tokens and case ids. A request no route matched has none.
 */
export const routeOf = (req: Request): string | null => (req.route ? `${req.baseUrl}${req.route.path as string}` : null);

/**
 * Gives every request an id, returned as X-Request-Id and carried by every log line
 * written while it is handled, and logs each request once it is answered: method,
 * route, status and time, nothing that was sent. Behind a trusted proxy the proxy's
 * own id is kept, so one request can be followed through both logs.
 */
export function setUpRequestLogging(app: Express, logger: Logger, trustProxyHops: number) {
  app.use((req, res, next) => {
    const given = req.get('x-request-id');
    const requestId = trustProxyHops > 0 && given && forwardedId.test(given) ? given : randomUUID();
    res.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    withRequestId(requestId, () => {
      // Bound, so the line carries this request's id whichever context ends the response.
      res.once('finish', AsyncResource.bind(() => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        logger.info({ method: req.method, route: routeOf(req), status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
      }));
      next();
    });
  });
}
