import type { Response } from 'express';
import type { EventType } from '../../../machines/case/events.js';
import type { Issue } from '../../cases/validation.js';
import type { Outcome } from '../../cases/outcomes.js';
import type { ProblemViews } from './problemViews.js';

export interface PageOutcomeHandlers<T> {
  ok: (value: T) => Promise<void> | void;
  /** Fields to fix: the form again, with its errors. */
  invalid: (issues: Issue[]) => void;
  /** For a step on a case: the case and the step, to explain a refusal; and what changed since the form was opened. */
  step?: { caseId: string; type: EventType; changedSince: () => Promise<void> };
}

/** Every engine outcome as the staff pages answer it: the one place outcomes become pages or redirects. */
export async function respondWithOutcome<T>(res: Response, outcome: Outcome<T>, problems: ProblemViews, on: PageOutcomeHandlers<T>): Promise<void> {
  switch (outcome.kind) {
    case 'ok':
      return on.ok(outcome.value);
    case 'invalid':
      return on.invalid(outcome.issues);
    case 'forbidden':
      return problems.forbidden(res, outcome.reasons);
    case 'conflict':
      if (!on.step) return problems.forbidden(res, outcome.reasons);
      if (outcome.reasons.some((r) => r.rule === 'staleVersion')) return on.step.changedSince();
      return problems.notAllowedNow(res, on.step.caseId, on.step.type, outcome.reasons, outcome.allowedEvents);
    case 'notFound':
    case 'linkUsed':
      return problems.notFound(res);
  }
}
