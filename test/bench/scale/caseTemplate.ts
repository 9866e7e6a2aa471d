import { accepted, addBenchUser, benchServices, callerFor } from '../fixtures.js';
import { sampleReferral } from '../../support/harness.js';
import type { CaseOversight, HistoryRecord, NoticeRecord } from '../../../src/store/store.js';
import { caseScript } from '../workload.js';

/** One stored history row of the template case, with its JSON columns as stored. */
export interface TemplateEvent {
  type: string;
  actor: string;
  from: string | null;
  to: string;
  data: string;
  /** Each notice keeps the id it had, and the id of the notice it says could not be delivered, if any. */
  notices: { id: string; refersTo: string | null; template: string; recipient: string; data: string; status: string; lastError: string | null }[];
  /** The case row after this event. */
  after: { snapshot: string; stage: string; status: string; paused: boolean; clocks: string; oversight: CaseOversight };
}

export interface CaseTemplate {
  supervisorId: string;
  /** The facilitator the template case is allocated to; seeding swaps in each case's own facilitator. */
  facilitatorId: string;
  referral: string;
  events: TemplateEvent[];
}

/**
 * Walks one real case through the engine (referral to closure, with notes in
 * between) on a throwaway in-memory database and keeps every stored row, so
 * the seeded cases carry genuine persisted snapshots, history and notices.
 */
export async function captureCaseTemplate(supervisorId: string, facilitatorId: string, notesPerStep: number): Promise<CaseTemplate> {
  const services = await benchServices(':memory:');
  try {
    const supervisor = await addBenchUser(services, 'supervisor', supervisorId);
    const facilitator = await addBenchUser(services, 'facilitator', facilitatorId);
    const caseId = accepted('create', await services.engine.createCase(sampleReferral(), callerFor(supervisor))).id;
    const afters: TemplateEvent['after'][] = [];
    const snap = async () => {
      const c = (await services.store.caseById(caseId))!;
      afters.push({ snapshot: JSON.stringify(c.snapshot), stage: c.stage, status: c.status, paused: c.paused, clocks: c.clocks, oversight: c.oversight });
    };
    await snap();
    const events = [
      { sender: 'supervisor' as const, body: { type: 'ACCEPT_REFERRAL', facilitatorIds: [facilitatorId] } },
      ...caseScript(notesPerStep),
    ];
    for (const { sender, body } of events) {
      accepted(`template ${body.type}`, await services.engine.submit({ caseId, body, caller: callerFor(sender === 'supervisor' ? supervisor : facilitator) }));
      await snap();
    }
    const history = await services.store.history(caseId);
    const notices = await services.store.notices(caseId);
    return {
      supervisorId,
      facilitatorId,
      referral: JSON.stringify((await services.store.caseById(caseId))!.referral),
      events: templateEvents(history, notices, afters),
    };
  } finally {
    services.store.close();
  }
}

/** A walked case's stored rows as template rows: each event with its JSON columns as stored, its notices, and the case after it. */
export function templateEvents(history: HistoryRecord[], notices: NoticeRecord[], afters: TemplateEvent['after'][]): TemplateEvent[] {
  return history.map((h, i) => ({
    type: h.type,
    actor: JSON.stringify(h.actor),
    from: h.from,
    to: h.to,
    data: JSON.stringify(h.data),
    notices: notices
      .filter((n) => n.seq === h.seq)
      .map((n) => ({
        id: n.id,
        // A notice that another could not be delivered names it.
        refersTo: typeof n.data.noticeId === 'string' ? n.data.noticeId : null,
        template: n.template,
        recipient: n.recipient,
        data: JSON.stringify(n.data),
        status: n.status,
        lastError: n.lastError,
      })),
    after: afters[i]!,
  }));
}
