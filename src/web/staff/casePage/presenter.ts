import Handlebars from 'handlebars';
import { stages, type Flags, type Stage } from '../../../../machines/case/context.js';
import { eventLabels } from '../../../../machines/case/eventLabels.js';
import type { EventType } from '../../../../machines/case/events.js';
import { consentLedger } from '../../../cases/consentLedger.js';
import type { CaseView } from '../../../cases/caseView.js';
import type { TaskView } from '../../../cases/caseTasks.js';
import type { VictimsCodeClock } from '../../../cases/victimsCodeClocks.js';
import type { HistoryRecord, NoticeRecord, TimerRecord } from '../../../store/store.js';
import { actorName, closureLabel, day, deliveryWords, entryLabel, erasedWords, nextStep, purposeLabels, stageLabels, stageTagClasses, when } from '../caseWords.js';
import { eventLinks } from '../problemViews.js';
import { consentPanels } from './consent.js';

export interface CasePageData {
  view: CaseView;
  tasks: TaskView[];
  clocks: VictimsCodeClock[];
  history: HistoryRecord[];
  notices: NoticeRecord[];
  timers: TimerRecord[];
  /** Names of the staff the page mentions, by id. */
  names: Map<string, string>;
  /** What a supervisor could do now that this staff member may not. */
  forSupervisor: EventType[];
}

type Referral = {
  referrer: { agency: string; name: string; email: string };
  offence: { type: string; date: string; description: string; crimeReference?: string };
  cjsStage: string;
  initiatedBy: string;
  victim: { name: string; email?: string; phone?: string };
  offender: { name: string; email?: string; phone?: string };
  flags: Flags;
};

const flagLabels: Record<string, string> = {
  domesticAbuse: 'Domestic abuse',
  sexualOffence: 'Sexual offence',
  hateCrime: 'Hate crime',
  stalking: 'Stalking',
  youth: 'Youth',
  vulnerableVictim: 'Vulnerable victim',
};
const cjsLabels: Record<string, string> = {
  out_of_court: 'Out of court',
  pre_sentence: 'Pre-sentence',
  post_sentence: 'Post-sentence',
  custody: 'In custody',
};

const row = (key: string, value: string | undefined, attributes?: Record<string, string>) => ({
  key: { text: key },
  value: { text: value ?? 'Not recorded' },
  ...(attributes ? { attributes } : {}),
});

/** The stages as a task list: done, in progress, not started yet, or cannot start yet. */
function stageList(view: CaseView, history: HistoryRecord[]) {
  const order = stages.filter((s) => s !== 'closed');
  const current = view.stage as Stage;
  const at = order.indexOf(current === 'closed' ? 'followUp' : current);
  // The furthest stage the case reached, from its history (a closed case shows how far it got).
  const reached = Math.max(at, ...history.map((h) => order.findIndex((s) => h.to.includes(`.${s}`) || h.to.startsWith(s))));
  return order.map((stage, i) => {
    const status =
      view.status === 'closed'
        ? i <= reached
          ? { tag: { text: 'Done' } }
          : { text: 'Not reached', classes: 'govuk-task-list__status--cannot-start-yet' }
        : i < at
          ? { tag: { text: 'Done' } }
          : i === at
            ? { tag: { text: 'In progress', classes: 'govuk-tag--light-blue' } }
            : i === at + 1
              ? { tag: { text: 'Not yet started', classes: 'govuk-tag--blue' } }
              : { text: 'Cannot start yet', classes: 'govuk-task-list__status--cannot-start-yet' };
    return { title: { text: stageLabels[stage] }, status };
  });
}

const dataWords = (data: Record<string, unknown>): string[] => {
  const lines: string[] = [];
  const text = (label: string, v: unknown) => typeof v === 'string' && v && lines.push(`${label}: ${v}`);
  text('Answer', data.response);
  text('Risk level', data.level);
  text('Decision', data.decision);
  text('Process', data.process);
  text('Party', data.party);
  const consent = (label: string, v: unknown) =>
    Array.isArray(v) && lines.push(`${label}: ${v.map((p) => purposeLabels[p as keyof typeof purposeLabels]?.text ?? String(p)).join(', ')}`);
  consent('Consent given to', data.given);
  consent('Consent withdrawn from', data.withdrawn);
  if (typeof data.reason === 'string') lines.push(`Reason: ${closureLabel(data.reason) || data.reason}`);
  if (typeof data.startsAt === 'string') lines.push(`Starts: ${when(data.startsAt)}`);
  text('Venue', data.venue);
  text('Note', data.note);
  text('Note', data.text);
  text('Summary', data.summary);
  return lines;
};

/** The case page: summary, parties, stages, what can happen next (exactly what the chart allows), tasks, clocks and history. */
export function casePagePresenter(data: CasePageData) {
  const { view, names } = data;
  const referral = view.referral as unknown as Referral;
  const flags = Object.entries(referral.flags ?? {}).filter(([, on]) => on).map(([f]) => flagLabels[f] ?? f);
  const facilitators = view.facilitatorIds.map((id) => names.get(id) ?? 'a former member of staff');
  const consent = consentPanels(consentLedger(data.history), view.id, view.allowedEvents, names);
  const party = (p: 'victim' | 'offender', heading: string) => ({
    heading,
    rows: [row('Name', referral[p].name), row('Email', referral[p].email), row('Phone', referral[p].phone)],
    warnings: consent.find((c) => c.party === p)!.warnings,
    ...(view.allowedEvents.includes('CORRECT_PARTY_DETAILS') ? { correctHref: `/cases/${view.id}/events/CORRECT_PARTY_DETAILS?party=${p}` } : {}),
    correctText: `Correct the ${p}'s details`,
  });
  const noMeeting = (['victim', 'offender'] as const).filter((p) => view.consent[p].directMeeting === 'withdrawn');

  const timeline = [
    ...data.history.map((h) => ({
      at: h.at,
      seq: h.seq,
      notice: 0,
      label: { text: entryLabel(h.type, h.data) },
      byline: { text: actorName(h.actor, names) },
      lines: [...dataWords(h.data), ...(h.erased ? [erasedWords(h.erased)] : [])],
    })),
    ...data.notices.map((n) => ({
      at: n.sentAt ?? n.createdAt,
      seq: n.seq,
      notice: 1,
      label: { text: `Email to ${n.recipient.replace(/^supporter:.*/, 'a supporter')}: ${n.template.replaceAll('_', ' ')}` },
      byline: { text: 'the service' },
      lines: [`Delivery: ${deliveryWords[n.status] ?? n.status}${n.attempts > 1 ? ` after ${n.attempts} attempts` : ''}`],
    })),
  ]
    // Newest first; at the same moment, the later step first, and a step's emails above the step.
    .sort((a, b) => b.at.localeCompare(a.at) || b.seq - a.seq || b.notice - a.notice)
    .map(({ at, label, byline, lines }) => ({
      label,
      byline,
      datetime: { timestamp: at, text: when(at) },
      html: lines.map((l) => `<p class="govuk-body-s">${Handlebars.escapeExpression(l)}</p>`).join(''),
    }));

  return {
    title: `Case ${view.reference}`,
    caseId: view.id,
    reference: view.reference,
    stage: { text: stageLabels[view.stage as Stage], classes: stageTagClasses[view.stage as Stage] },
    nextStep: nextStep(view, data.timers),
    summary: [
      row('Reference', view.reference),
      row('Stage', stageLabels[view.stage as Stage] + (view.paused ? ' (paused)' : '')),
      row('Status', view.status === 'closed' ? `Closed: ${closureLabel(view.closureReason)}` : 'Active'),
      row('Facilitators', facilitators.join(', ') || 'Not allocated yet'),
      row('Flags', flags.join(', ') || 'None'),
      row('Risk', view.risk ? `${view.risk.level}${view.risk.directContactAllowed ? ', direct contact allowed' : ', indirect contact only'}${view.risk.approvedBy ? ', approved' : ''}` : 'Not assessed yet'),
      row('Process', view.process ?? 'Not chosen yet'),
      ...(view.conference ? [row('Conference', `${when(view.conference.startsAt)}, ${view.conference.venue}`)] : []),
    ],
    parties: [party('victim', 'Victim'), party('offender', 'Offender')],
    consent,
    // A conference arranged before a party withdrew consent to meet cannot go ahead: the chart holds back rescheduling it.
    ...(view.stage === 'conference' && view.conference && noMeeting.length
      ? { conferenceWarning: `The ${noMeeting.join(' and the ')} withdrew consent to a direct meeting, so the scheduled conference cannot go ahead: cancel it.` }
      : {}),
    referral: [
      row('Referred by', `${referral.referrer.name}, ${referral.referrer.agency} (${referral.referrer.email})`),
      row('Offence', `${referral.offence.type} on ${day(referral.offence.date)}`),
      row('Description', referral.offence.description),
      row('Crime reference', referral.offence.crimeReference),
      row('Criminal justice stage', cjsLabels[referral.cjsStage] ?? referral.cjsStage),
      row('Referral received', when(view.createdAt)),
    ],
    stages: stageList(view, data.history),
    // Exactly what the chart allows this user now: each a link to its form, named as the API names the event.
    offer: eventLinks(view.id, view.allowedEvents),
    blocked: view.blockedEvents.map((b) => ({ text: eventLabels[b.type], event: b.type, reasons: b.reasons })),
    // Reassigning and correcting details are open to a supervisor at any time, not decisions the case waits for.
    forSupervisor: data.forSupervisor.map((t) =>
      t === 'REASSIGN'
        ? 'A supervisor can reassign the case to other facilitators.'
        : t === 'CORRECT_PARTY_DETAILS'
          ? "A supervisor can correct a party's contact details."
          : `A supervisor must ${eventLabels[t].charAt(0).toLowerCase()}${eventLabels[t].slice(1)}.`,
    ),
    agreement: view.agreement.map((i) => ({ ...i, due: day(i.dueDate), statusText: i.status === 'pending' ? (i.overdue ? 'Overdue' : 'Pending') : i.status === 'completed' ? 'Completed' : 'Missed' })),
    tasks: data.tasks.map((t) => ({
      text: t.text,
      since: when(t.since),
      ...(view.allowedEvents.includes('RESOLVE_TASK') ? { href: `/cases/${view.id}/events/RESOLVE_TASK?taskId=${encodeURIComponent(t.id)}` } : {}),
    })),
    clocks: data.clocks.map((c) => ({
      label: c.label,
      dueBy: when(c.dueBy),
      status: { met: 'Met', met_late: 'Met late', running: 'Running', overdue: 'Overdue', stopped: 'Stopped' }[c.status],
      tagClass: { met: 'govuk-tag--green', met_late: 'govuk-tag--orange', running: 'govuk-tag--blue', overdue: 'govuk-tag--red', stopped: 'govuk-tag--grey' }[c.status],
    })),
    timeline,
  };
}
