import { Router } from 'express';
import type { Services } from '../services.js';
import { readParty } from '../subjectAccess/subjectAccessExport.js';
import { createSubjectAccess } from '../subjectAccess/subjectAccessService.js';
import { callerOf } from './caseRoutes.js';
import { sendOutcome } from './outcomeResponse.js';

/**
 * GET /api/cases/:id/subject-access/:party: a party's subject access export, for supervisors, as the
 * staff page's JSON file is; recorded in the case's history before it is made.
 */
export function subjectAccessRoutes({ store, clock, config }: Services) {
  const router = Router();
  const subjectAccess = createSubjectAccess({ store, clock, service: config.service.name });

  router.get('/cases/:id/subject-access/:party', async (req, res) => {
    const caller = callerOf(req);
    const found = await subjectAccess.caseFor(req.params.id, caller);
    if (found.kind !== 'ok') return sendOutcome(res, found, () => null);
    const party = readParty(req.params.party);
    if (!party) return void res.status(404).json({ error: 'No such subject access export: the party is victim or offender.' });
    res.set('Cache-Control', 'no-store');
    res.json(await subjectAccess.produce(found.value, party, 'json', caller));
  });

  return router;
}
