import { Router } from 'express';
import type { Services } from '../services.js';
import { callerOf } from './caseRoutes.js';
import { sendOutcome } from './outcomeResponse.js';

/** Supervisors' API for a case's personal data: erasure on request, legal holds, and what is due for anonymisation. */
export function privacyRoutes({ privacy }: Services) {
  const router = Router();

  router.post('/cases/:id/erasure', async (req, res) => {
    sendOutcome(res, await privacy.erase(req.params.id, req.body, callerOf(req)), (value) => value);
  });

  router.put('/cases/:id/legal-hold', async (req, res) => {
    sendOutcome(res, await privacy.placeHold(req.params.id, req.body, callerOf(req)), () => ({ hold: 'placed' }));
  });

  router.delete('/cases/:id/legal-hold', async (req, res) => {
    sendOutcome(res, await privacy.liftHold(req.params.id, req.body, callerOf(req)), () => ({ hold: 'lifted' }));
  });

  router.get('/retention', async (req, res) => {
    sendOutcome(res, await privacy.upcoming(callerOf(req)), (cases) => ({ cases }));
  });

  return router;
}
