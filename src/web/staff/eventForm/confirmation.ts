import { eventLabels } from '../../../../machines/case/eventLabels.js';
import type { EventType } from '../../../../machines/case/events.js';
import type { CommittedEffects } from '../../../cases/caseEngine.js';
import { noticeSentence, timerSentence } from '../caseWords.js';

/** Notices to staff that need no mention: staff see the step's own result on the page. */
const quietTemplates = new Set(['party_responded', 'notice_undeliverable']);

/**
 * What the case page says after a step: what was done, and what the service will
 * do next, in words taken from the notices and timers the step committed.
 */
export function confirmationOf(type: EventType, effects: CommittedEffects, caseOpen: boolean): { title: string; lines: string[] } {
  const notices = effects.notices.filter((n) => !quietTemplates.has(n.template));
  const lines = [...new Set([...notices.map((n) => noticeSentence(n, caseOpen)), ...effects.timers.map(timerSentence)])];
  return { title: `Done: ${eventLabels[type].charAt(0).toLowerCase()}${eventLabels[type].slice(1)}`, lines };
}
