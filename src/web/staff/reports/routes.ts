import Handlebars from 'handlebars';
import { Router, type Response } from 'express';
import { mayReport, staffCaller } from '../../../access.js';
import { londonDate } from '../../../calendar/londonTime.js';
import { commissionerReport, readPeriod, recentQuarters } from '../../../reports/commissionerReport.js';
import { reportCsv } from '../../../reports/reportCsv.js';
import type { Services } from '../../../services.js';
import { toCsv } from '../../csv.js';
import type { FormBody } from '../../formFields.js';
import { formErrors, noErrors } from '../forms/problems.js';
import { renderFields } from '../forms/view.js';
import type { ProblemViews } from '../problemViews.js';
import type { StaffRender } from '../render.js';
import { periodFields, readPeriodQuery } from './periodForm.js';
import { reportsPresenter } from './presenter.js';

const onlySupervisors = [{ rule: 'role', message: 'Only supervisors can see the reports for the commissioner.' }];

/** GET /reports (the page, for a chosen period) and /reports/<table>.csv (each table as CSV), for supervisors. */
export function reportRoutes({ store, clock }: Services, render: StaffRender, problems: ProblemViews): Router {
  const router = Router();
  /** Whether the caller may see reports; if not, they are told so. */
  const allowed = (res: Response) => {
    if (mayReport(staffCaller(res.locals.signedIn!.user))) return true;
    problems.forbidden(res, onlySupervisors);
    return false;
  };

  router.get('/reports', async (req, res) => {
    if (!allowed(res)) return;
    const now = clock().toISOString();
    const quarters = recentQuarters(londonDate(now));
    const reading = readPeriodQuery(req.query as FormBody);
    const fields = (values: FormBody, errors = noErrors) => new Handlebars.SafeString(renderFields(periodFields, { values, errors }));
    if (reading.kind === 'problems') {
      const errors = formErrors(periodFields, reading.read, reading.issues);
      return render(res, 422, 'reports', { title: 'Reports for the commissioner', section: 'reports', fields: fields(reading.values, errors), errorList: errors.errorList, quarters: quarters.map((x) => ({ text: x.label, href: `/reports?from=${x.from}&to=${x.to}` })) });
    }
    // By default, the current quarter so far.
    const period = reading.kind === 'period' ? reading.period : { from: quarters[0]!.from, to: quarters[0]!.to };
    const tables = await commissionerReport(store, period, now);
    const boxes = Object.fromEntries(
      (['from', 'to'] as const).flatMap((name) => {
        const [y, m, d] = period[name].split('-');
        return [[`${name}-year`, y], [`${name}-month`, String(Number(m))], [`${name}-day`, String(Number(d))]];
      }),
    ) as FormBody;
    render(res, 200, 'reports', { ...reportsPresenter(period, tables, quarters), fields: fields(boxes), section: 'reports' });
  });

  router.get('/reports/:file', async (req, res, next) => {
    const table = /^([a-z-]+)\.csv$/.exec(req.params.file)?.[1];
    const format = table && Object.hasOwn(reportCsv, table) ? reportCsv[table] : undefined;
    if (!format) return next();
    if (!allowed(res)) return;
    const parsed = readPeriod(req.query);
    if (!parsed.ok) {
      return void res.status(422).type('text/plain').send(`Give the period as from=YYYY-MM-DD&to=YYYY-MM-DD: ${parsed.issues.map((i) => `${i.path} ${i.message}`).join('; ')}.\n`);
    }
    const { header, rows } = format(await commissionerReport(store, parsed.period, clock().toISOString()));
    res.attachment(`${table}-${parsed.period.from}-to-${parsed.period.to}.csv`);
    res.type('text/csv; charset=utf-8').send(toCsv(header, rows));
  });
  return router;
}
