import { Router, type Request, type Response } from 'express';
import { mayAudit, staffCaller } from '../../../access.js';
import type { CaseView } from '../../../cases/caseView.js';
import type { Services } from '../../../services.js';
import { caseAuditData, checkChain } from '../../../audit/caseAudit.js';
import type { CaseRecord } from '../../../store/store.js';
import { statechartFigure } from '../../statechart/statechartFigure.js';
import type { ProblemViews } from '../problemViews.js';
import type { StaffRender } from '../render.js';
import { auditTrail, type EntryKind } from './auditTrail.js';
import { historyCsv, historyJson } from './historyExport.js';
import { historyPresenter } from './presenter.js';
import { readHistoryQuery } from './query.js';

const onlySupervisors = [{ rule: 'role', message: 'Only supervisors can read a case’s audited history or export it.' }];

/**
 * GET /cases/:id/history (with .csv and .json): the case's audited history, for
 * supervisors. Reading it and exporting it are each recorded in its access log.
 */
export function caseHistoryRoutes({ engine, store, clock }: Services, render: StaffRender, problems: ProblemViews): Router {
  const router = Router();

  /** The case, if the caller may audit it: a case they cannot see is not found; one they see but may not audit is refused. */
  async function auditable(req: Request, res: Response): Promise<{ record: CaseRecord; view: CaseView } | undefined> {
    const caller = staffCaller(res.locals.signedIn!.user);
    const record = await store.caseById(String(req.params.id));
    const view = engine.present(record, caller);
    if (!record || !view) return void problems.notFound(res);
    if (!mayAudit(caller)) return void problems.forbidden(res, onlySupervisors);
    return { record, view };
  }

  router.get('/cases/:id/history', async (req, res) => {
    const found = await auditable(req, res);
    if (!found) return;
    const { record, view } = found;
    const query = readHistoryQuery(req.query);
    await store.recordView(record.id, res.locals.signedIn!.user.id, clock().toISOString(), 'history');
    const data = await caseAuditData(store, record.id);
    const [chain, statechart] = await Promise.all([query.check ? checkChain(store) : undefined, statechartFigure(record.machineVersion, view.state)]);
    const model = historyPresenter(record, auditTrail(data, query.show), data.broken, query, chain);
    render(res, 200, 'caseHistory', { ...model, statechart, section: 'cases' });
  });

  const exportHistory = (format: 'csv' | 'json') => async (req: Request, res: Response) => {
    const found = await auditable(req, res);
    if (!found) return;
    const { record } = found;
    const user = res.locals.signedIn!.user;
    const at = clock().toISOString();
    // The export is logged before it is made, so the file records itself.
    await store.recordView(record.id, user.id, at, 'export');
    const data = await caseAuditData(store, record.id);
    const entries = auditTrail(data, ['events', 'notices', 'views'] satisfies EntryKind[]);
    const name = `${record.reference}-history.${format}`;
    res.attachment(name);
    if (format === 'csv') return void res.type('text/csv; charset=utf-8').send(historyCsv(entries));
    res.json(historyJson(record, entries, data.history, data.broken, { at, by: user.name }));
  };
  router.get('/cases/:id/history.csv', exportHistory('csv'));
  router.get('/cases/:id/history.json', exportHistory('json'));
  return router;
}
