import express, { Router } from 'express';
import type { Services } from '../services.js';
import { authenticate } from './authenticate.js';
import { caseRoutes } from './caseRoutes.js';

export const bodyLimit = '64kb';

/** The JSON API under /api: parse, authenticate, then route. */
export function apiRoutes(services: Services) {
  const router = Router();
  // Authenticate first: nobody gets a body parsed without a valid token.
  router.use(authenticate(services.users));
  router.use(express.json({ limit: bodyLimit, strict: false }));

  router.get('/me', (req, res) => {
    const { id, email, name, role } = req.user!;
    res.json({ id, email, name, role });
  });

  router.get('/audit/verify', async (req, res) => {
    if (req.user!.role !== 'supervisor') {
      res.status(403).json({ error: 'Only supervisors can verify the audit trail.' });
      return;
    }
    res.json(await services.store.verifyChain());
  });

  router.use(caseRoutes(services));
  router.use((_req, res) => void res.status(404).json({ error: 'No such API route.' }));
  return router;
}
