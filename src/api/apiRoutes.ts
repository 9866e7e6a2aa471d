import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { worksCases } from '../access.js';
import type { Services } from '../services.js';
import { authenticate } from './authenticate.js';
import { caseRoutes } from './caseRoutes.js';
import { oversightRoutes } from './oversightRoutes.js';
import { privacyRoutes } from './privacyRoutes.js';
import { subjectAccessRoutes } from './subjectAccessRoutes.js';

export const bodyLimit = '64kb';

const hasBody = (req: Request) => req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;

/** A body must be declared as JSON; otherwise the parser would skip it and the engine would report missing fields instead. */
function requireJsonBodies(req: Request, res: Response, next: NextFunction) {
  if (req.method !== 'GET' && req.method !== 'HEAD' && hasBody(req) && !req.is('application/json')) {
    res.status(415).json({ error: 'Send the body as JSON, with the header Content-Type: application/json.' });
    return;
  }
  next();
}

/** The JSON API under /api: authenticate, check the body's type, parse, then route. */
export function apiRoutes(services: Services) {
  const router = Router();
  // Authenticate first: nobody gets a body parsed without a valid token.
  router.use(authenticate(services.users, services.accessGuard, services.clock));
  router.use(requireJsonBodies);
  router.use(express.json({ limit: bodyLimit, strict: false }));

  router.get('/me', (req, res) => {
    const { id, email, name, role, trainedFor } = req.user!;
    res.json({ id, email, name, role, trainedFor });
  });

  // Whom a case can be allocated to, with the specialisms the allocation rule reads.
  router.get('/facilitators', async (req, res) => {
    if (!worksCases(req.user!.role)) return void res.status(403).json({ error: 'Only facilitators and supervisors can list facilitators.' });
    const facilitators = await services.store.activeFacilitators();
    res.json({ facilitators: facilitators.map(({ id, name, trainedFor }) => ({ id, name, trainedFor })) });
  });

  router.use(caseRoutes(services));
  router.use(oversightRoutes(services));
  router.use(privacyRoutes(services));
  router.use(subjectAccessRoutes(services));
  router.use((_req, res) => void res.status(404).json({ error: 'No such API route.' }));
  return router;
}
