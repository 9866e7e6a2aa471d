import { Router, type RequestHandler } from 'express';
import { parse, toSeconds } from 'iso8601-duration';
import { mayOversee, staffCaller } from '../../../access.js';
import { queueMoment } from '../../../oversight/caseQueues.js';
import type { Services } from '../../../services.js';
import type { StaffRender } from '../render.js';
import { dashboardPresenter } from './presenter.js';

/** GET /: the dashboard for a supervisor; anyone else gets the page they start from (a facilitator's caseload). */
export function dashboardRoutes({ store, clock, config }: Services, render: StaffRender, otherwise: RequestHandler): Router {
  const router = Router();
  const seconds = toSeconds(parse(config.stalledAfter));
  const [amount, unit] = seconds % 86_400 === 0 ? [seconds / 86_400, 'day'] : [Math.round(seconds / 3_600), 'hour'];
  const stalledAfter = `${amount} ${unit}${amount === 1 ? '' : 's'}`;
  router.get('/', async (req, res, next) => {
    if (!mayOversee(staffCaller(res.locals.signedIn!.user))) return otherwise(req, res, next);
    const at = queueMoment(clock(), config.stalledAfter);
    const [counts, caseloads, lastSupervisions] = await Promise.all([store.dashboardCounts(at), store.facilitatorCaseloads(), store.lastSupervisions()]);
    const model = dashboardPresenter({ counts, caseloads, lastSupervisions, today: at.today, stalledAfter });
    render(res, 200, 'dashboard', { ...model, section: 'dashboard' });
  });
  return router;
}
