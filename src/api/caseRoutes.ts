import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { stages, type Flags } from '../../machines/case/context.js';
import type { Caller } from '../cases/caseEngine.js';
import { noticeTasks } from '../cases/caseTasks.js';
import { victimsCodeClocks } from '../cases/victimsCodeClocks.js';
import { toIssues } from '../cases/validation.js';
import type { Services } from '../services.js';

const pageSize = 50;
const listQuery = z.strictObject({
  stage: z.enum(stages).optional(),
  page: z.coerce.number().int().min(1).max(100000).default(1),
});
const ifMatch = /^(?:W\/)?(?:"(\d{1,12})"|(\d{1,12}))$/;
const idempotencyKey = /^[\x21-\x7e]{1,200}$/;

export const callerOf = (req: Request): Caller & { kind: 'user' } => ({ kind: 'user', id: req.user!.id, role: req.user!.role });

const send = (res: Response, r: { status: number; body: unknown }) => res.status(r.status).json(r.body);

/** The case API: thin HTTP over the engine, which holds every rule. */
export function caseRoutes({ engine, store, clock }: Services) {
  const router = Router();

  router.post('/cases', async (req, res) => {
    const caller = callerOf(req);
    if (caller.role !== 'facilitator' && caller.role !== 'supervisor') {
      send(res, { status: 403, body: { error: 'Only facilitators and supervisors can enter referrals.' } });
      return;
    }
    send(res, await engine.createCase(req.body, caller));
  });

  router.get('/cases', async (req, res) => {
    const parsed = listQuery.safeParse(req.query);
    if (!parsed.success) {
      send(res, { status: 422, body: { error: 'The query has fields to fix.', issues: toIssues(parsed.error) } });
      return;
    }
    const caller = callerOf(req);
    if (caller.role === 'admin') {
      send(res, { status: 403, body: { error: 'Administrators manage users and settings, not cases.' } });
      return;
    }
    const { stage, page } = parsed.data;
    const { cases, total } = await store.listCases({
      ...(stage ? { stage } : {}),
      ...(caller.role === 'facilitator' ? { facilitatorId: caller.id } : {}),
      limit: pageSize,
      offset: (page - 1) * pageSize,
    });
    res.json({ cases: cases.map((c) => engine.present(c, caller)).filter(Boolean), page, pageSize, total });
  });

  router.get('/cases/:id', async (req, res) => {
    const caller = callerOf(req);
    const view = await engine.view(req.params.id, caller);
    if (!view) {
      send(res, { status: 404, body: { error: 'No case with this id is available to you.' } });
      return;
    }
    const now = clock().toISOString();
    const [notices, events] = await Promise.all([store.notices(view.id), store.history(view.id), store.recordView(view.id, caller.id, now)]);
    const clocks = victimsCodeClocks(
      { createdAt: view.createdAt, flags: view.referral.flags as Flags, events, closedAt: view.status === 'closed' ? view.updatedAt : null },
      now,
    );
    res.json({ case: { ...view, tasks: noticeTasks(notices), clocks } });
  });

  router.post('/cases/:id/events', async (req, res) => {
    const matchHeader = req.get('if-match');
    const keyHeader = req.get('idempotency-key');
    const m = matchHeader === undefined ? undefined : ifMatch.exec(matchHeader.trim());
    const version = m ? (m[1] ?? m[2]) : undefined;
    if (matchHeader !== undefined && version === undefined) {
      send(res, { status: 400, body: { error: 'If-Match must be the case version in quotes, for example If-Match: "3".' } });
      return;
    }
    if (keyHeader !== undefined && !idempotencyKey.test(keyHeader)) {
      send(res, { status: 400, body: { error: 'Idempotency-Key must be 1 to 200 visible ASCII characters.' } });
      return;
    }
    const result = await engine.submit({
      caseId: req.params.id,
      body: req.body,
      caller: callerOf(req),
      ...(version !== undefined ? { ifMatch: Number(version) } : {}),
      ...(keyHeader !== undefined ? { idempotencyKey: keyHeader } : {}),
    });
    if (result.replayed) res.set('Idempotent-Replayed', 'true');
    send(res, result);
  });

  router.get('/cases/:id/history', async (req, res) => {
    const caller = callerOf(req);
    const view = await engine.view(req.params.id, caller);
    if (!view) {
      send(res, { status: 404, body: { error: 'No case with this id is available to you.' } });
      return;
    }
    const [events, notices, views, feedback] = await Promise.all([
      store.history(view.id),
      store.notices(view.id),
      store.views(view.id),
      store.feedback(view.id),
    ]);
    res.json({
      events: events.map(({ seq, type, actor, at, from, to, data }) => ({ seq, type, actor, at, from, to, data })),
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
      ...(caller.role === 'supervisor' ? { views } : {}),
    });
  });

  return router;
}
