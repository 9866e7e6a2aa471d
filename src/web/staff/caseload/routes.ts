import { Router } from 'express';
import type { Flags } from '../../../../machines/case/context.js';
import { caseloadScope, staffCaller } from '../../../access.js';
import { clockEventTypes, victimsCodeClocks } from '../../../cases/victimsCodeClocks.js';
import type { Services } from '../../../services.js';
import type { StaffRender } from '../render.js';
import { readCaseloadQuery } from './form.js';
import { caseloadPresenter, pageSize } from './presenter.js';

/** GET /: the caseload, a facilitator's own cases or every case for a supervisor. */
export function caseloadRoutes({ engine, store, clock }: Services, render: StaffRender): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const caller = staffCaller(res.locals.signedIn!.user);
    const scope = caseloadScope(caller);
    if (!scope) return render(res, 200, 'adminHome', { title: 'Administration' });
    const query = readCaseloadQuery(req.query);
    const { cases, total } = await store.listCases({
      ...scope,
      ...(query.stage ? { stage: query.stage } : {}),
      ...(query.q ? { referencePrefix: query.q } : {}),
      sort: query.sort,
      limit: pageSize,
      offset: (query.page - 1) * pageSize,
    });
    const now = clock().toISOString();
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
    render(res, 200, 'caseload', { ...caseloadPresenter(rows, total, query, scope.facilitatorId ? 'own' : 'all'), section: 'cases' });
  });
  return router;
}
