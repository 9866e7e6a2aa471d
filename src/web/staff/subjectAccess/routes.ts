import { Router, type Request, type Response } from 'express';
import { staffCaller } from '../../../access.js';
import type { Outcome } from '../../../cases/outcomes.js';
import type { Services } from '../../../services.js';
import { readParty, type ExportFormat, type Party } from '../../../subjectAccess/subjectAccessExport.js';
import { createSubjectAccess } from '../../../subjectAccess/subjectAccessService.js';
import type { ProblemViews } from '../problemViews.js';
import type { StaffRender } from '../render.js';
import { chooserPresenter, exportPresenter } from './presenter.js';

/**
 * /cases/:id/subject-access: a supervisor chooses whose export to produce (the victim's or the
 * offender's), then reads it as a printable page or downloads it as JSON. Each export is recorded in
 * the case's history first. Anyone else gets what the audited history gives them: a case they cannot
 * see is not found, one they can see but may not export from is refused.
 */
export function subjectAccessRoutes({ store, clock, config }: Services, render: StaffRender, problems: ProblemViews): Router {
  const router = Router();
  const subjectAccess = createSubjectAccess({ store, clock, service: config.service.name });
  const callerOf = (res: Response) => staffCaller(res.locals.signedIn!.user);

  /** The value, or the page for why not; undefined once that page is sent. */
  function orProblem<T>(res: Response, outcome: Outcome<T>): T | undefined {
    if (outcome.kind === 'ok') return outcome.value;
    if (outcome.kind === 'forbidden') return void problems.forbidden(res, outcome.reasons);
    return void problems.notFound(res);
  }

  const noSuchParty = (res: Response, caseId: string) =>
    render(res, 404, 'problem', {
      title: 'There is no such subject access export',
      paragraphs: ['A subject access export is for the victim or the offender of the case. Choose one on the subject access page.'],
      links: [{ text: 'Choose whose export to produce', href: `/cases/${caseId}/subject-access` }],
      section: 'cases',
    });

  router.get('/cases/:id/subject-access', async (req, res) => {
    const record = orProblem(res, await subjectAccess.caseFor(String(req.params.id), callerOf(res)));
    if (!record) return;
    render(res, 200, 'subjectAccess', { ...chooserPresenter(record), section: 'cases' });
  });

  /** The export, once the caller may produce it and the party is one: logged before it is made. */
  async function produce(req: Request, res: Response, format: ExportFormat) {
    const caseId = String(req.params.id);
    const caller = callerOf(res);
    // Whether the caller may see the case comes first: a bad party on a case they cannot see is still not found.
    const record = orProblem(res, await subjectAccess.caseFor(caseId, caller));
    if (!record) return undefined;
    const party: Party | undefined = readParty(req.params.party);
    if (!party) return void noSuchParty(res, caseId);
    return subjectAccess.produce(record, party, format, caller);
  }

  // Before /:party, which would otherwise take "victim.json" as a party.
  router.get('/cases/:id/subject-access/:party.json', async (req, res) => {
    const made = await produce(req, res, 'json');
    if (!made) return;
    res.attachment(`${made.case.reference}-${made.subject}-subject-access.json`);
    res.set('Cache-Control', 'no-store');
    res.json(made);
  });

  router.get('/cases/:id/subject-access/:party', async (req, res) => {
    const made = await produce(req, res, 'html');
    if (!made) return;
    res.set('Cache-Control', 'no-store');
    render(res, 200, 'subjectAccessExport', { ...exportPresenter(String(req.params.id), made), section: 'cases' });
  });

  return router;
}
