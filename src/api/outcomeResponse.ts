import type { Response } from 'express';
import type { Outcome } from '../cases/outcomes.js';

/** Every engine outcome as the API answers it: the one place statuses are chosen. */
export function sendOutcome<T>(res: Response, outcome: Outcome<T>, body: (value: T) => unknown, okStatus = 200): void {
  switch (outcome.kind) {
    case 'ok':
      res.status(okStatus).json(body(outcome.value));
      return;
    case 'invalid':
      res.status(422).json({ error: outcome.message, issues: outcome.issues });
      return;
    case 'forbidden':
      res.status(403).json({ error: outcome.message, reasons: outcome.reasons, ...(outcome.allowedEvents ? { allowedEvents: outcome.allowedEvents } : {}) });
      return;
    case 'conflict': {
      const { message, reasons, allowedEvents, blockedEvents, version } = outcome;
      res.status(409).json({ error: message, reasons, allowedEvents, blockedEvents, ...(version !== undefined ? { version } : {}) });
      return;
    }
    case 'notFound':
      res.status(404).json({ error: 'No case with this id is available to you.' });
      return;
    case 'linkUsed':
      res.status(410).json({ error: 'This link has already been used.' });
      return;
  }
}
