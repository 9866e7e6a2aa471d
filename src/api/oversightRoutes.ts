import { Router, type Response } from 'express';
import { mayAudit, mayReport } from '../access.js';
import { caseAuditData } from '../audit/caseAudit.js';
import { commissionerReport, countingRules, readPeriod } from '../reports/commissionerReport.js';
import { reportCsv, reportJson } from '../reports/reportCsv.js';
import type { Services } from '../services.js';
import { callerOf } from './caseRoutes.js';

const refuse = (res: Response, status: number, error: string) => void res.status(status).json({ error });

/** Supervisors' API: a case's audit (logged as an export), the chain's check, and the commissioner's report tables. */
export function oversightRoutes({ engine, store, clock }: Services) {
  const router = Router();

  router.get('/audit/verify', async (req, res) => {
    if (!mayAudit(callerOf(req))) return refuse(res, 403, 'Only supervisors can verify the audit trail.');
    res.json(await store.verifyChain());
  });

  router.get('/cases/:id/audit', async (req, res) => {
    const caller = callerOf(req);
    const view = await engine.view(req.params.id, caller);
    if (!view) return refuse(res, 404, 'No case with this id is available to you.');
    if (!mayAudit(caller)) return refuse(res, 403, 'Only supervisors can read a case’s audited history or export it.');
    await store.recordView(view.id, caller.id, clock().toISOString(), 'export');
    const { history, notices, views, broken } = await caseAuditData(store, view.id);
    const problems = new Map(broken.map((b) => [b.seq, b.problem]));
    res.json({
      case: { id: view.id, reference: view.reference },
      events: history.map(({ seq, type, actor, at, from, to, data }) => ({ seq, type, actor, at, from, to, data, integrity: problems.get(seq) ?? 'intact' })),
      notices: notices.map(({ id, seq, template, recipient, status, attempts, lastError, sentAt, createdAt }) => ({ id, seq, template, to: recipient, status, attempts, lastError, sentAt, createdAt })),
      views,
      integrity: { entries: history.length, broken },
    });
  });

  const report = async (query: unknown, res: Response) => {
    const parsed = readPeriod(query);
    if (!parsed.ok) return void res.status(422).json({ error: 'Give the period as from=YYYY-MM-DD&to=YYYY-MM-DD.', issues: parsed.issues });
    return { period: parsed.period, tables: reportJson(await commissionerReport(store, parsed.period, clock().toISOString())) };
  };

  router.get('/reports', async (req, res) => {
    if (!mayReport(callerOf(req))) return refuse(res, 403, 'Only supervisors can see the reports for the commissioner.');
    const found = await report(req.query, res);
    if (found) res.json({ ...found, countingRules });
  });

  router.get('/reports/:table', async (req, res) => {
    if (!mayReport(callerOf(req))) return refuse(res, 403, 'Only supervisors can see the reports for the commissioner.');
    const names = Object.keys(reportCsv);
    if (!names.includes(req.params.table)) return refuse(res, 404, `No such report table. Tables: ${names.join(', ')}.`);
    const found = await report(req.query, res);
    if (found) res.json({ period: found.period, rows: found.tables[req.params.table as keyof typeof found.tables] });
  });

  return router;
}
