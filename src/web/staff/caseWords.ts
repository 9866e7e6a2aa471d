import { closureReasonLabels, type ClosureReason } from '../../../machines/case/closureReasons.js';
import type { Purpose } from '../../../machines/case/consent.js';
import type { Stage } from '../../../machines/case/context.js';
import { eventLabels } from '../../../machines/case/eventLabels.js';
import type { EventType } from '../../../machines/case/events.js';
import { londonDateTime, londonDay, londonDate } from '../../calendar/londonTime.js';
import type { CaseView } from '../../cases/caseView.js';
import type { TimerRecord } from '../../store/store.js';
import { basisLabels } from '../../privacy/lawfulBases.js';

/** How the staff pages say things about a case: stages, steps, people, dates, and what happens next. */

export const stageLabels: Record<Stage, string> = {
  referral: 'Referral',
  consent: 'Contact and consent',
  riskAssessment: 'Risk assessment',
  preparation: 'Preparation',
  conference: 'Conference or exchange',
  followUp: 'Follow-up',
  closed: 'Closed',
};

/** GOV.UK tag colours by stage, so a caseload can be scanned. */
export const stageTagClasses: Record<Stage, string> = {
  referral: 'govuk-tag--grey',
  consent: 'govuk-tag--light-blue',
  riskAssessment: 'govuk-tag--yellow',
  preparation: 'govuk-tag--purple',
  conference: 'govuk-tag--blue',
  followUp: 'govuk-tag--turquoise',
  closed: 'govuk-tag--green',
};

export const day = (dateOrInstant: string) => londonDay(dateOrInstant.length === 10 ? dateOrInstant : londonDate(dateOrInstant));
/** "8 December" for a date this year, as in a sentence ("reminder on 8 December"). */
export const shortDay = (dateOrInstant: string) => day(dateOrInstant).replace(/^\w+ /, '');
export const when = (instant: string) => londonDateTime(instant);

/** What an entry shows in place of its erased content: when, and under which lawful reason. */
export const erasedWords = (erased: { at: string; reason: string }) => `Content erased on ${day(erased.at)}: ${basisLabels[erased.reason] ?? erased.reason}`;

/** What each consent is for, as staff read it in the consent ledger and the consent form. */
export const purposeLabels: Record<Purpose, { text: string; hint: string }> = {
  participation: { text: 'Taking part', hint: 'Withdrawing it stops all contact and puts the case forward for closure' },
  directMeeting: { text: 'A direct meeting', hint: 'Without it, no conference can be arranged' },
  shareInformation: { text: 'Sharing information with the other party', hint: 'What they say may be passed on' },
  emailContact: { text: 'Email contact', hint: 'Without it, the service sends them no email' },
  phoneContact: { text: 'Phone contact', hint: 'Without it, nobody phones them' },
  feedback: { text: 'Being asked for feedback', hint: 'Without it, they are not sent the feedback request' },
};

/** How a consent was given: through the party's own link, or as staff recorded it. */
export const consentChannelLabels: Record<string, string> = {
  link: 'through their link',
  phone: 'by phone',
  in_person: 'in person',
  letter: 'by letter',
};

export const closureLabel = (reason: string | null | undefined) => (reason ? (closureReasonLabels[reason as ClosureReason] ?? reason) : '');

/** A history entry's name: the step as staff name it. */
export function entryLabel(type: string, data: Record<string, unknown> = {}): string {
  if (type === 'REFERRAL_RECEIVED') return 'Referral received';
  if (type === 'MACHINE_MIGRATED') return `Moved to the current case rules (version ${String(data.fromVersion)} to ${String(data.toVersion)})`;
  if (type === 'SUBJECT_ACCESS_EXPORTED') {
    const whose = data.party === 'victim' || data.party === 'offender' ? ` for the ${data.party}` : '';
    const as = data.format === 'json' ? ' (JSON file)' : data.format === 'html' ? ' (printable page)' : '';
    return `Subject access export${whose}${as}`;
  }
  if (type === 'PERSONAL_DATA_ERASED') return 'Personal data erased';
  if (type === 'LEGAL_HOLD_PLACED') return 'Legal hold placed';
  if (type === 'LEGAL_HOLD_LIFTED') return 'Legal hold lifted';
  return eventLabels[type as EventType] ?? type;
}

type Victim = { preferredProcess: string | null; reofferAfter: string | null; withdrawn: boolean };

const victimTrackWords = (track: string | undefined, timers: TimerRecord[], victim: Victim): string | undefined => {
  const timer = (key: string) => timers.find((t) => t.key === key);
  switch (track) {
    case 'notContacted':
      return 'Invite the victim';
    case 'invited': {
      const reminder = timer('invitationReminder');
      const expiry = timer('invitationExpiry');
      return `Waiting for the victim to answer: ${reminder ? `reminder on ${shortDay(reminder.dueAt)}` : expiry ? `the invitation lapses on ${shortDay(expiry.dueAt)}` : 'no reminder due'}`;
    }
    case 'moreInfo':
      return 'The victim asked for more information: talk to them, then invite them again';
    case 'notNow': {
      const reoffer = timer('reoffer');
      return `The victim asked to be asked again later${reoffer ? `: on ${shortDay(reoffer.dueAt)}` : ''}`;
    }
    case 'noResponse':
      return 'The victim did not answer the invitation: try another way, or invite them again';
    default:
      return victim.withdrawn ? 'The victim has withdrawn' : undefined;
  }
};

const offenderTrackWords = (track: string | undefined) =>
  track === 'notContacted' ? "Record the offender's response" : track === 'unreachable' ? 'Try to reach the offender again' : undefined;

/** The next thing to do on a case, in words: what the case is waiting for, and when the service will act on its own. */
export function nextStep(view: CaseView, timers: TimerRecord[]): string {
  const state = view.state as unknown;
  const open = (typeof state === 'object' && state !== null ? (state as { open?: unknown }).open : undefined) as Record<string, unknown> | string | undefined;
  if (view.status === 'closed') return `Closed: ${closureLabel(view.closureReason)}`;
  if (state === 'referral') return 'Screen the referral: a supervisor accepts and allocates it, or declines it';
  if (state === 'paused') return `Paused: ${view.pause?.reason ?? ''}${view.pause?.until ? ` (until ${shortDay(view.pause.until)})` : ''}`;
  if (state === 'closing') return `Waiting for a supervisor to sign off the closure: ${closureLabel(view.pendingClosure?.reason)}`;
  if (open === 'preparation') {
    const missing = (['victim', 'offender'] as const).filter((p) => !view.prepared[p]);
    if (missing.length) return `Prepare the ${missing.join(' and the ')}`;
    if (!view.process) return 'Choose the process';
    return view.process === 'conference' ? 'Schedule the conference' : 'Start the indirect exchange';
  }
  if (open === 'followUp') {
    const pending = view.agreement.filter((i) => i.status === 'pending').sort((a, b) => a.dueDate.localeCompare(b.dueDate));
    if (pending.length === 0) return 'Every agreement item is done: ask for the case to be closed';
    return `Follow up ${pending.length === 1 ? 'the agreement item' : `${pending.length} agreement items`}: next due ${shortDay(pending[0]!.dueDate)}`;
  }
  if (typeof open === 'object' && open) {
    if ('consent' in open) {
      const tracks = open.consent as { victim?: string; offender?: string };
      const steps = [victimTrackWords(tracks.victim, timers, view.victimPreferences), offenderTrackWords(tracks.offender)].filter((s): s is string => Boolean(s));
      return steps.map((s, i) => (i === 0 ? s : s.charAt(0).toLowerCase() + s.slice(1))).join('; ') || 'Both parties have consented';
    }
    if ('riskAssessment' in open) {
      return open.riskAssessment === 'awaitingApproval' ? 'Waiting for a supervisor to approve the risk assessment' : 'Assess the risk';
    }
    if ('conference' in open) {
      if (open.conference === 'indirect') return 'Record the exchanges, then complete the indirect process';
      return view.conference ? `Conference on ${when(view.conference.startsAt)}: record the outcome after it` : 'Record the conference outcome';
    }
  }
  return view.stage;
}

/** Who did something, as the history shows them. */
export function actorName(actor: { kind: string; id?: string; role: string }, names: Map<string, string>): string {
  if (actor.kind === 'system') return 'the service';
  if (actor.kind === 'party') return `the ${actor.role}, through their link`;
  return `${names.get(actor.id ?? '') ?? 'a former member of staff'} (${actor.role})`;
}

const noticeWhat: Record<string, string> = {
  victim_invitation: 'an invitation to take part',
  invitation_reminder: 'a reminder about the invitation',
  thank_you: 'a thank-you for their answer',
  withdrawal_confirmation: 'a confirmation of their withdrawal',
  conference_invitation: 'an invitation to the conference, with a calendar entry',
  conference_rescheduled: 'the conference’s new time',
  conference_cancelled: 'word that the conference is cancelled',
  agreement_item_completed: 'word that an agreement item was completed',
  agreement_item_missed: 'word that an agreement item was missed',
  feedback_request: 'a request for their feedback',
  allocation: 'word of the allocation',
  party_responded: 'word of the answer',
  approval_requested: 'a request for approval',
  approval_decision: 'the decision',
  item_overdue: 'word that an agreement item is overdue',
  reoffer_due: 'a reminder to offer restorative justice again',
  notice_undeliverable: 'word that an email could not be delivered',
};

/** What a notice was, in words ("an invitation to take part"). */
export const noticeWords = (template: string) => noticeWhat[template] ?? template.replaceAll('_', ' ');

/** A notice's delivery status in words, on the case page and in its audited history. */
export const deliveryWords: Record<string, string> = { queued: 'waiting to be sent', retrying: 'being retried', sent: 'sent', failed: 'could not be delivered', cancelled: 'cancelled' };

const recipientWords = (recipient: string) =>
  recipient === 'facilitators' ? 'the facilitators' : recipient === 'supervisors' ? 'the supervisors' : recipient.startsWith('supporter:') ? 'a supporter' : `the ${recipient}`;

/** A notice in a history: "Email to the victim: an invitation to take part". */
export const noticeLabel = ({ template, recipient }: { template: string; recipient: string }) =>
  `Email to ${recipientWords(recipient)}: ${noticeWhat[template] ?? template.replaceAll('_', ' ')}`;

/** What a committed notice means, for the confirmation after a step. */
export function noticeSentence({ template, recipient, status }: { template: string; recipient: string; status: string }, caseOpen = true): string {
  if (status === 'failed') {
    return `We could not email ${recipientWords(recipient)}: there is no email address on record.${caseOpen ? ' A task has been added to reach them another way.' : ''}`;
  }
  return `We are emailing ${recipientWords(recipient)} ${noticeWhat[template] ?? template.replaceAll('_', ' ')}.`;
}

/** What a committed timer means, for the confirmation after a step. */
export function timerSentence({ key, dueAt }: { key: string; dueAt: string }): string {
  if (key === 'invitationReminder') return `If the victim has not answered by ${shortDay(dueAt)}, we will send them a reminder.`;
  if (key === 'invitationExpiry') return `The invitation lapses on ${shortDay(dueAt)} if they have not answered.`;
  if (key === 'reoffer') return `On ${shortDay(dueAt)} we will remind you to ask the victim again.`;
  if (key === 'pauseEnds') return `The case will resume on ${shortDay(dueAt)}.`;
  if (key.startsWith('item-')) return `Agreement ${key.replace('item-', 'item ')} is due on ${shortDay(dueAt)}: if it is not marked done by then, we will tell you.`;
  return `Something is due on ${shortDay(dueAt)}.`;
}

/** The specialisms a facilitator can be trained for, in words that read inside a sentence. */
export const specialismWords: Record<string, string> = { domesticAbuse: 'domestic abuse', sexualOffence: 'sexual offences', hateCrime: 'hate crime', stalking: 'stalking' };
