import { Router, type Request, type Response } from 'express';
import type { Flags } from '../../../../machines/case/context.js';
import { caseloadScope, mayOversee, staffCaller } from '../../../access.js';
import { clockEventTypes, victimsCodeClocks } from '../../../cases/victimsCodeClocks.js';
import { queueMoment } from '../../../oversight/caseQueues.js';
import type { Services } from '../../../services.js';
import type { StaffRender } from '../render.js';
import { readCaseloadQuery } from './form.js';
import { caseloadPresenter, pageSize } from './presenter.js';

/**
 * The list of cases: a facilitator's own, or every case for a supervisor, by
 * stage, reference, one of the dashboard's lists, or (for supervisors) facilitator.
 */
export function caseloadPage({ engine, store, clock, config }: Services, render: StaffRender) {
  return async (req: Request, res: Response) => {
    const caller = staffCaller(res.locals.signedIn!.user);
    const scope = caseloadScope(caller);
    // Admins manage accounts, not cases: their home is the list of users.
    if (!scope) return res.redirect(303, '/admin');
    const query = readCaseloadQuery(req.query);
    const facilitators = mayOversee(caller) ? await store.activeFacilitators() : [];
    const chosen = facilitators.find((f) => f.id === query.facilitator)?.id;
    const at = clock();
    const { cases, total } = await store.listCases({
      ...scope,
      ...(chosen ? { facilitatorId: chosen } : {}),
      ...(query.stage ? { stage: query.stage } : {}),
      ...(query.q ? { referencePrefix: query.q } : {}),
      ...(query.queue ? { queue: { name: query.queue, ...queueMoment(at, config.stalledAfter) } } : {}),
      sort: query.sort,
      limit: pageSize,
      offset: (query.page - 1) * pageSize,
    });
    const now = at.toISOString();
    // Two reads for the whole page, not two per row.
    const details = await store.caseloadDetails(cases.map((c) => c.id), clockEventTypes);
    const rows = cases.map((record) => {
      const view = engine.present(record, caller)!;
      const events = details.events.filter((e) => e.caseId === record.id);
      const clocks = victimsCodeClocks(
        { createdAt: view.createdAt, flags: view.referral.flags as Flags, events, closedAt: view.status === 'closed' ? view.updatedAt : null },
        now,
      );
      return { view, timers: details.timers.filter((t) => t.caseId === record.id), clocks };
    });
    const model = caseloadPresenter(rows, total, { ...query, facilitator: chosen }, scope.facilitatorId ? 'own' : 'all', facilitators);
    render(res, 200, 'caseload', { ...model, section: 'cases' });
  };
}

/** GET /cases: the list of cases. */
export function caseloadRoutes(services: Services, render: StaffRender): Router {
  const router = Router();
  router.get('/cases', caseloadPage(services, render));
  return router;
}
