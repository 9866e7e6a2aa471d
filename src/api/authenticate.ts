import type { NextFunction, Request, Response } from 'express';
import type { UserService } from '../auth/users.js';
import type { UserRecord } from '../store/store.js';

declare module 'express-serve-static-core' {
  interface Request {
    user?: UserRecord;
  }
}

/** Bearer-token authentication for the JSON API: no token, no access. */
export function authenticate(users: UserService) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const match = /^Bearer ([A-Za-z0-9_-]{10,200})$/.exec(req.get('authorization') ?? '');
    const user = match ? await users.userForToken(match[1]!) : undefined;
    if (!user) {
      res.set('WWW-Authenticate', 'Bearer').status(401).json({ error: 'Send a valid API token as "Authorization: Bearer <token>".' });
      return;
    }
    req.user = user;
    next();
  };
}
