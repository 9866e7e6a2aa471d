import { Router } from 'express';
import type { Flags } from '../../../../machines/case/context.js';
import { mayAudit, mayManagePersonalData, staffCaller } from '../../../access.js';
import { taskViews } from '../../../cases/caseTasks.js';
import { victimsCodeClocks } from '../../../cases/victimsCodeClocks.js';
import type { Services } from '../../../services.js';
import { statechartFigure } from '../../statechart/statechartFigure.js';
import type { ProblemViews } from '../problemViews.js';
import type { StaffRender } from '../render.js';
import { casePagePresenter } from './presenter.js';
import { personalDataPanel } from './personalData.js';

/** GET /cases/:id: the case page, for staff who may see the case; opening it is recorded for the audit. */
export function casePageRoutes({ engine, store, clock }: Services, render: StaffRender, problems: ProblemViews): Router {
  const router = Router();
  router.get('/cases/:id', async (req, res) => {
    const { signedIn } = res.locals;
    const caller = staffCaller(signedIn!.user);
    const record = await store.caseById(req.params.id);
    const view = engine.present(record, caller);
    if (!record || !view) return problems.notFound(res);
    const now = clock().toISOString();
    const [tasks, history, notices, timers] = await Promise.all([
      store.openTasks(view.id),
      store.history(view.id),
      store.notices(view.id),
      store.pendingTimers(view.id),
      store.recordView(view.id, caller.id, now),
    ]);
    const staffIds = [...new Set([...view.facilitatorIds, ...history.flatMap((h) => (h.actor.id ? [h.actor.id] : []))])];
    const names = new Map((await store.usersByIds(staffIds)).map((u) => [u.id, u.name]));
    const clocks = victimsCodeClocks(
      { createdAt: view.createdAt, flags: view.referral.flags as Flags, events: history, closedAt: view.status === 'closed' ? view.updatedAt : null },
      now,
    );
    const model = casePagePresenter({
      view,
      tasks: taskViews(tasks),
      clocks,
      history,
      notices,
      timers,
      names,
      forSupervisor: engine.othersMay(record, caller),
    });
    render(res, 200, 'casePage', {
      ...model,
      ...(mayAudit(caller) ? { historyHref: `/cases/${view.id}/history` } : {}),
      ...(mayManagePersonalData(caller) ? { personalData: personalDataPanel(view.id, view.status === 'closed', await store.retention(view.id)) } : {}),
      statechart: await statechartFigure(record.machineVersion, view.state),
      section: 'cases',
    });
  });
  return router;
}
