import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { stages, type Flags } from '../../machines/case/context.js';
import { caseloadScope, mayAudit, mayEnterReferrals, staffCaller, type StaffCaller } from '../access.js';
import { taskViews } from '../cases/caseTasks.js';
import { consentLedger } from '../cases/consentLedger.js';
import { victimsCodeClocks } from '../cases/victimsCodeClocks.js';
import { toIssues } from '../cases/validation.js';
import type { Services } from '../services.js';
import { sendOutcome } from './outcomeResponse.js';

const pageSize = 50;
const listQuery = z.strictObject({
  stage: z.enum(stages).optional(),
  page: z.coerce.number().int().min(1).max(100000).default(1),
});
const ifMatch = /^(?:W\/)?(?:"(\d{1,12})"|(\d{1,12}))$/;
const idempotencyKey = /^[\x21-\x7e]{1,200}$/;

export const callerOf = (req: Request): StaffCaller => staffCaller(req.user!);

const refuse = (res: Response, status: number, error: string) => void res.status(status).json({ error });
const noCase = (res: Response) => refuse(res, 404, 'No case with this id is available to you.');

/** The case API: thin HTTP over the engine, which holds every rule. */
export function caseRoutes({ engine, store, clock }: Services) {
  const router = Router();

  router.post('/cases', async (req, res) => {
    const caller = callerOf(req);
    if (!mayEnterReferrals(caller)) return refuse(res, 403, 'Only facilitators and supervisors can enter referrals.');
    const key = req.get('idempotency-key');
    if (key !== undefined && !idempotencyKey.test(key)) return refuse(res, 400, 'Idempotency-Key must be 1 to 200 visible ASCII characters.');
    sendOutcome(res, await engine.createCase(req.body, caller, key), (view) => ({ case: view }), 201);
  });

  router.get('/cases', async (req, res) => {
    const parsed = listQuery.safeParse(req.query);
    if (!parsed.success) return void res.status(422).json({ error: 'The query has fields to fix.', issues: toIssues(parsed.error) });
    const caller = callerOf(req);
    const scope = caseloadScope(caller);
    if (!scope) return refuse(res, 403, 'Administrators manage users and settings, not cases.');
    const { stage, page } = parsed.data;
    const { cases, total } = await store.listCases({ ...(stage ? { stage } : {}), ...scope, limit: pageSize, offset: (page - 1) * pageSize });
    res.json({ cases: cases.map((c) => engine.present(c, caller)).filter(Boolean), page, pageSize, total });
  });

  router.get('/cases/:id', async (req, res) => {
    const caller = callerOf(req);
    const view = await engine.view(req.params.id, caller);
    if (!view) return noCase(res);
    const now = clock().toISOString();
    const [tasks, events] = await Promise.all([store.openTasks(view.id), store.history(view.id), store.recordView(view.id, caller.id, now)]);
    const clocks = victimsCodeClocks(
      { createdAt: view.createdAt, flags: view.referral.flags as Flags, events, closedAt: view.status === 'closed' ? view.updatedAt : null },
      now,
    );
    res.json({ case: { ...view, tasks: taskViews(tasks), clocks, consentLedger: consentLedger(events).entries } });
  });

  router.post('/cases/:id/events', async (req, res) => {
    const matchHeader = req.get('if-match');
    const keyHeader = req.get('idempotency-key');
    const m = matchHeader === undefined ? undefined : ifMatch.exec(matchHeader.trim());
    const version = m ? (m[1] ?? m[2]) : undefined;
    if (matchHeader !== undefined && version === undefined) return refuse(res, 400, 'If-Match must be the case version in quotes, for example If-Match: "3".');
    if (keyHeader !== undefined && !idempotencyKey.test(keyHeader)) return refuse(res, 400, 'Idempotency-Key must be 1 to 200 visible ASCII characters.');
    const outcome = await engine.submit({
      caseId: req.params.id,
      body: req.body,
      caller: callerOf(req),
      ...(version !== undefined ? { ifMatch: Number(version) } : {}),
      ...(keyHeader !== undefined ? { idempotencyKey: keyHeader } : {}),
    });
    if (outcome.kind === 'ok' && outcome.value.replayed) res.set('Idempotent-Replayed', 'true');
    sendOutcome(res, outcome, ({ case: view }) => ({ case: view }));
  });

  router.get('/cases/:id/history', async (req, res) => {
    const caller = callerOf(req);
    const view = await engine.view(req.params.id, caller);
    if (!view) return noCase(res);
    const [events, notices, views, feedback] = await Promise.all([
      store.history(view.id),
      store.notices(view.id),
      store.views(view.id),
      store.feedback(view.id),
    ]);
    res.json({
      events: events.map(({ seq, type, actor, at, from, to, data, erased }) => ({ seq, type, actor, at, from, to, data, ...(erased ? { erased } : {}) })),
      notices: notices.map((n) => ({
        id: n.id,
        seq: n.seq,
        template: n.template,
        to: n.recipient,
        status: n.status,
        attempts: n.attempts,
        ...(n.lastError ? { lastError: n.lastError } : {}),
        ...(n.sentAt ? { sentAt: n.sentAt } : {}),
      })),
      feedback: feedback.map(({ party, rating, comment, at }) => ({ party, rating, ...(comment ? { comment } : {}), at })),
      ...(mayAudit(caller) ? { views } : {}),
    });
  });

  return router;
}
