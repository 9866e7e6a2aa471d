import type { NextFunction, Request, Response } from 'express';
import type { AccessGuard } from '../auth/accessGuard.js';
import type { Clock } from '../cases/caseEngine.js';
import type { UserService } from '../auth/users.js';
import type { UserRecord } from '../store/store.js';

declare module 'express-serve-static-core' {
  interface Request {
    user?: UserRecord;
  }
}

/**
 * Bearer-token authentication for the JSON API: no token, no access. A request
 * that sends a token that does not work counts towards its address's back-off;
 * while that address must wait, every request from it is refused with 429.
 */
export function authenticate(users: UserService, accessGuard: AccessGuard, clock: Clock) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const ip = req.ip ?? 'unknown';
    const wait = await accessGuard.blocked('api_token', ip);
    if (wait) {
      const seconds = Math.max(1, Math.ceil((wait.getTime() - clock().getTime()) / 1000));
      res.set('Retry-After', String(seconds)).status(429).json({ error: `Too many requests with tokens that do not work. Try again in ${seconds} seconds.` });
      return;
    }
    const match = /^Bearer ([A-Za-z0-9_-]{10,200})$/.exec(req.get('authorization') ?? '');
    const user = match ? await users.userForToken(match[1]!) : undefined;
    if (!user) {
      if (req.get('authorization') !== undefined) await accessGuard.failed('api_token', { ip });
      res.set('WWW-Authenticate', 'Bearer').status(401).json({ error: 'Send a valid API token as "Authorization: Bearer <token>".' });
      return;
    }
    req.user = user;
    next();
  };
}
