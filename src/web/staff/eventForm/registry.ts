import { closureReasonLabels, closureReasons, referralDeclineReasons } from '../../../../machines/case/closureReasons.js';
import { consentChannels, purposes } from '../../../../machines/case/consent.js';
import type { StaffEvent } from '../../../../machines/case/permissions.js';
import type { CaseView } from '../../../cases/caseView.js';
import type { TaskView } from '../../../cases/caseTasks.js';
import type { UserRecord } from '../../../store/store.js';
import type { FormBody } from '../../formFields.js';
import { informationVersion } from '../../respond/invitationAnswer.js';
import { consentChannelLabels, purposeLabels, shortDay, specialismWords } from '../caseWords.js';
import type { Field, Option } from '../forms/fields.js';

/** What a form can draw on: the case as this user sees it, who can be allocated, and the case's open tasks. */
export interface FormContext {
  view: CaseView;
  facilitators: UserRecord[];
  tasks: TaskView[];
}

export interface EventForm {
  fields: (ctx: FormContext) => Field[];
  /** A sentence under the heading that says what the step does. */
  intro?: (ctx: FormContext) => string;
  /** Weighty decisions are shown back to be checked before they are recorded. */
  check?: boolean;
  /** Values a new form starts with (the current allocation, for a reassignment), given what the link chose (`?party=victim`). */
  prefill?: (ctx: FormContext, chosen: FormBody) => FormBody;
  button?: string;
}

const note = (label = 'Note', optional = true, missing = 'Enter a note'): Field => ({ kind: 'textarea', name: 'note', label, optional, missing, called: 'The note' });
const reason = (label: string, missing: string): Field => ({ kind: 'textarea', name: 'reason', label, missing, called: 'The reason' });
const options = (values: readonly string[], labels: Record<string, string>): Option[] => values.map((value) => ({ value, text: labels[value] ?? value }));
const parties: Option[] = [
  { value: 'victim', text: 'The victim' },
  { value: 'offender', text: 'The offender' },
];

/** Facilitators to allocate, each with their specialist training, so a sensitive case gets someone trained for it. */
const facilitatorChoice = ({ facilitators }: FormContext): Field => ({
  kind: 'checkboxes',
  name: 'facilitatorIds',
  label: 'Facilitators',
  hint: 'Choose one, or two to co-facilitate. A case flagged as sensitive needs someone trained for each of its flags.',
  missing: 'Select at least one facilitator',
  options: facilitators.map((f) => ({
    value: f.id,
    text: f.name,
    hint: f.trainedFor.length ? `Trained for ${f.trainedFor.map((s) => specialismWords[s] ?? s).join(', ')}` : 'No specialist training recorded',
  })),
});

const startsAt: Field = { kind: 'datetime', name: 'startsAt', label: 'Date and time', missing: 'Enter the date and time of the conference' };
const itemChoice = (verb: string): EventForm => ({
  fields: ({ view }) => [
    {
      kind: 'radios',
      name: 'itemId',
      label: `Which agreement item was ${verb}?`,
      missing: 'Select the agreement item',
      options: view.agreement.filter((i) => i.status === 'pending').map((i) => ({ value: i.id, text: i.action, hint: `${i.owner}, due ${shortDay(i.dueDate)}` })),
    },
    note(),
  ],
  intro: () => (verb === 'completed' ? 'The victim is told the item was completed.' : 'The victim is told the item was not completed.'),
});

type Person = { name: string; email?: string; phone?: string };
const personOf = (ctx: FormContext, party: unknown): Person | undefined =>
  party === 'victim' || party === 'offender' ? (ctx.view.referral[party] as Person) : undefined;
const contactWords = (p: Person) => [p.name, p.email ?? 'no email', p.phone ?? 'no phone'].join(', ');

const purposeChoice = (name: 'given' | 'withdrawn', label: string): Field => ({
  kind: 'checkboxes',
  name,
  label,
  optional: true,
  missing: 'Select what they consent to, or what they withdraw their consent from',
  options: purposes.map((p) => ({ value: p, ...purposeLabels[p] })),
});

/** The structured risk factors (domain: what an assessment looks at), each with its notes. */
const riskFactors: [string, string][] = [
  ['safety', 'Safety of each participant'],
  ['powerImbalance', 'Power imbalance between the parties'],
  ['mentalHealth', 'Mental health'],
  ['substanceMisuse', 'Substance misuse'],
  ['vulnerability', 'Vulnerability'],
  ['orders', 'No-contact orders or bail conditions'],
  ['motivation', "The offender's motivation and acknowledgement"],
  ['supporters', "Supporters' risk"],
];

/**
 * A form for every event staff may send, and no other: the type makes an event
 * without a form fail the typecheck. Each form's values are checked by its event's
 * own schema and the chart when it is posted; fields here only say what to ask.
 */
export const eventForms: { [T in StaffEvent]: EventForm } = {
  ACCEPT_REFERRAL: {
    fields: (ctx) => [facilitatorChoice(ctx)],
    intro: () => 'Accepting the referral opens the case and tells the facilitators it is theirs.',
  },
  DECLINE_REFERRAL: {
    check: true,
    fields: () => [
      { kind: 'radios', name: 'reason', label: 'Why is the referral declined?', missing: 'Select why the referral is declined', options: options(referralDeclineReasons, closureReasonLabels) },
      note(),
    ],
    intro: () => 'Declining closes the case at once with this reason.',
  },
  RECORD_OFFENDER_RESPONSE: {
    fields: () => [
      {
        kind: 'radios',
        name: 'response',
        label: 'What did the offender say?',
        missing: "Select the offender's response",
        options: [
          { value: 'willing', text: 'Willing to take part', hint: 'They accept the basic facts and take responsibility' },
          { value: 'declined', text: 'Declined' },
          { value: 'denies_responsibility', text: 'Denies responsibility' },
          { value: 'unreachable', text: 'Could not be reached', hint: 'You can try again later' },
        ],
      },
      note(),
    ],
  },
  INVITE_VICTIM: {
    fields: () => [],
    intro: () =>
      'The victim is emailed an invitation with a link to answer. If they do not answer, they get a reminder, and the invitation lapses after a while.',
    button: 'Send the invitation',
  },
  VICTIM_RESPONDED: {
    fields: ({ view }) => [
      {
        kind: 'radios',
        name: 'response',
        label: 'What did the victim say?',
        missing: "Select the victim's answer",
        options: [
          { value: 'yes', text: 'Yes, they want to take part' },
          { value: 'more_info', text: 'They want more information first' },
          { value: 'not_now', text: 'Not now: ask them again later' },
          { value: 'no', text: 'No' },
        ],
        reveals: {
          yes: [
            {
              kind: 'radios',
              name: 'preferredProcess',
              label: 'How would they prefer to take part?',
              optional: true,
              options: [
                { value: 'conference', text: 'Meeting face to face' },
                { value: 'shuttle', text: 'Messages passed on by the facilitator' },
                { value: 'letter', text: 'Letters' },
              ],
            },
            { kind: 'textarea', name: 'accessNeeds', label: 'What would make it easier for them to take part?', called: 'Their access needs', optional: true },
            { kind: 'textarea', name: 'safeContact', label: 'Safe times and ways to contact them', optional: true },
            ...(view.victimPreferences && !(view.victimPreferences as { invited?: boolean }).invited
              ? [
                  {
                    kind: 'group',
                    name: 'informationGiven',
                    whenAnswered: true,
                    label: 'How were they given the information about restorative justice?',
                    hint: 'The victim was not sent the invitation, so record how they were told what restorative justice is and that they can withdraw at any time.',
                    fields: [
                      { kind: 'hidden', name: 'version', label: 'Information version', value: informationVersion },
                      {
                        kind: 'radios',
                        name: 'how',
                        label: 'How',
                        missing: 'Select how the victim was given the information',
                        options: [
                          { value: 'phone', text: 'By phone' },
                          { value: 'in_person', text: 'In person' },
                          { value: 'letter', text: 'By letter' },
                        ],
                      },
                    ],
                  } satisfies Field,
                ]
              : []),
          ],
          not_now: [{ kind: 'date', name: 'reofferAfter', label: 'When should we ask them again?', called: 'The date to ask them again', optional: true, hint: 'Leave it empty to ask again after the usual time. For example, 27 3 2027' }],
        },
      },
      note(),
    ],
  },
  SUBMIT_RISK_ASSESSMENT: {
    check: true,
    fields: () => [
      {
        kind: 'group',
        name: 'factors',
        label: 'Risk factors',
        hint: 'Write what you found for each factor that applies.',
        fields: riskFactors.map(([name, label]) => ({ kind: 'textarea', name, label, optional: true })),
      },
      {
        kind: 'radios',
        name: 'level',
        label: 'Overall risk level',
        missing: 'Select the overall risk level',
        hint: 'High risk, or a sensitive offence, needs a supervisor to approve the assessment.',
        options: [
          { value: 'low', text: 'Low' },
          { value: 'medium', text: 'Medium' },
          { value: 'high', text: 'High', hint: 'Indirect contact only' },
        ],
      },
      { kind: 'textarea', name: 'mitigations', label: 'Mitigations', optional: true },
      {
        kind: 'radios',
        name: 'directContactAllowed',
        boolean: true,
        label: 'Is direct contact between the parties allowed?',
        missing: 'Select whether direct contact is allowed',
        options: [
          { value: 'yes', text: 'Yes, a face-to-face meeting can be considered' },
          { value: 'no', text: 'No, indirect contact only' },
        ],
      },
    ],
  },
  APPROVE_RISK: { check: true, fields: () => [note()], intro: () => 'Approving lets the case go on to preparation.' },
  REJECT_RISK: {
    check: true,
    fields: () => [
      {
        kind: 'radios',
        name: 'decision',
        label: 'What should happen to the case?',
        missing: 'Select what should happen to the case',
        options: [
          { value: 'indirect_only', text: 'Go on with indirect contact only' },
          { value: 'close', text: 'Close the case: the risk is too high' },
        ],
      },
      note('Reason', false, 'Enter the reason'),
    ],
  },
  RECORD_PREPARATION: {
    fields: () => [
      { kind: 'radios', name: 'party', label: 'Who did you prepare?', missing: 'Select who you prepared', options: parties },
      note('What was discussed, what they want to say and ask, and any access needs', false, 'Enter what was discussed'),
    ],
  },
  ADD_SUPPORTER: {
    fields: () => [
      { kind: 'radios', name: 'party', label: 'Whose supporter are they?', missing: 'Select whose supporter they are', options: parties },
      { kind: 'text', name: 'name', label: 'Name', missing: "Enter the supporter's name" },
      { kind: 'email', name: 'email', label: 'Email address', optional: true, hint: 'For the conference invitation' },
    ],
  },
  CHOOSE_PROCESS: {
    fields: () => [
      {
        kind: 'radios',
        name: 'process',
        label: 'Which process?',
        missing: 'Select the process',
        options: [
          { value: 'conference', text: 'A conference (face to face, or by video)' },
          { value: 'shuttle', text: 'Shuttle messages passed on by the facilitator' },
          { value: 'letter', text: 'A letter exchange' },
        ],
      },
    ],
  },
  SCHEDULE_CONFERENCE: {
    fields: () => [startsAt, { kind: 'text', name: 'venue', label: 'Venue', missing: 'Enter the venue' }],
    intro: () => 'Everyone taking part is emailed an invitation with a calendar entry.',
  },
  START_INDIRECT_EXCHANGE: { fields: () => [note()], intro: () => 'Start passing messages or letters between the parties.' },
  RESCHEDULE_CONFERENCE: {
    fields: ({ view }) => [startsAt, { kind: 'text', name: 'venue', label: 'Venue', optional: true, hint: view.conference ? `Leave it empty to keep ${view.conference.venue}` : '' }, reason('Why is it moving?', 'Enter why the conference is moving')],
    intro: () => 'Everyone taking part is emailed the new time, and their calendar entry is updated.',
  },
  CANCEL_CONFERENCE: { fields: () => [reason('Why is it cancelled?', 'Enter why the conference is cancelled')], intro: () => 'Everyone taking part is told, and the case goes back to preparation.' },
  RECORD_OUTCOME: {
    fields: ({ view }) => [
      {
        kind: 'checkboxes',
        name: 'attendees',
        label: 'Who attended?',
        missing: 'Select who attended',
        options: [...parties.map((p) => ({ value: p.value, text: p.text })), ...view.supporters.map((s) => ({ value: s.name, text: `${s.name} (supporter)` }))],
      },
      {
        kind: 'datetime',
        name: 'heldAt',
        label: 'When did it take place?',
        called: 'The time it took place',
        optional: true,
        hint: view.conference ? `Only if not at its planned time, ${shortDay(view.conference.startsAt)}. For example, 27 3 2027 and 14 30` : undefined,
      },
      {
        kind: 'list',
        name: 'agreement',
        label: 'Outcome agreement',
        hint: 'What was agreed, if anything: each item with what will be done, by whom, and by when. Leave it empty if there is no agreement.',
        itemLabel: 'Item',
        max: 30,
        fields: [
          { kind: 'text', name: 'action', label: 'What will be done', missing: 'Enter what will be done' },
          { kind: 'text', name: 'owner', label: 'Who will do it', missing: 'Enter who will do it' },
          { kind: 'date', name: 'dueDate', label: 'By when', missing: 'Enter the date it is due' },
        ],
      },
      note(),
    ],
    intro: () => 'Both parties are asked for their feedback, and each agreement item is followed up on its due date.',
  },
  RECORD_INDIRECT_EXCHANGE: { fields: () => [{ kind: 'textarea', name: 'summary', label: 'What was passed on', missing: 'Enter what was passed on' }] },
  COMPLETE_INDIRECT: { fields: () => [note()], intro: () => 'Both parties are asked for their feedback.' },
  COMPLETE_AGREEMENT_ITEM: itemChoice('completed'),
  MISS_AGREEMENT_ITEM: itemChoice('missed'),
  REQUEST_CLOSURE: {
    check: true,
    fields: () => [
      { kind: 'radios', name: 'reason', label: 'Why should the case close?', missing: 'Select why the case should close', options: options(closureReasons, closureReasonLabels) },
      note(),
    ],
    intro: () => 'A supervisor who is not on the case signs the closure off.',
  },
  APPROVE_CLOSURE: {
    check: true,
    fields: () => [note()],
    intro: ({ view }) => `The case closes: ${view.pendingClosure ? (closureReasonLabels[view.pendingClosure.reason] ?? view.pendingClosure.reason) : ''}. This cannot be undone.`,
  },
  RETURN_CASE: { fields: () => [note('Why is it going back?', false, 'Enter why the case is going back')], intro: () => 'The case goes back to where it was when the closure was asked for.' },
  RESOLVE_TASK: {
    fields: ({ tasks }) => [
      { kind: 'radios', name: 'taskId', label: 'Which task?', missing: 'Select the task', options: tasks.map((t) => ({ value: t.id, text: t.text })) },
      note('What did you do?', false, 'Enter what you did'),
    ],
  },
  WITHDRAW: {
    check: true,
    fields: ({ view }) => [
      {
        kind: 'radios',
        name: 'party',
        label: 'Who is withdrawing?',
        missing: 'Select who is withdrawing',
        options: parties.filter((p) => !view.withdrawn[p.value as 'victim' | 'offender']),
      },
      { kind: 'textarea', name: 'reason', label: 'Reason', optional: true },
    ],
    intro: () => 'All contact with them stops at once, and the case is put forward for closure.',
  },
  PAUSE: {
    fields: () => [reason('Why is the case paused?', 'Enter why the case is paused'), { kind: 'date', name: 'until', label: 'Resume on', optional: true, hint: 'Leave it empty to resume by hand. For example, 27 3 2027' }],
    intro: () => 'Reminders and deadlines wait while the case is paused.',
  },
  RESUME: { fields: () => [], intro: () => 'The case carries on exactly where it was paused.', button: 'Resume the case' },
  REVISE_RISK: { fields: () => [reason('What has changed?', 'Enter what has changed')], intro: () => 'The case goes back to risk assessment; any conference is cancelled.' },
  REASSIGN: {
    fields: (ctx) => [facilitatorChoice(ctx)],
    prefill: ({ view }) => ({ facilitatorIds: view.facilitatorIds }),
  },
  ADD_NOTE: { fields: () => [{ kind: 'textarea', name: 'text', label: 'Note', missing: 'Enter the note' }] },
  CORRECT_PARTY_DETAILS: {
    check: true,
    fields: (ctx) => [
      {
        kind: 'radios',
        name: 'party',
        label: 'Whose details are you correcting?',
        missing: 'Select whose details you are correcting',
        options: parties.map((p) => ({ ...p, hint: `Now: ${contactWords(personOf(ctx, p.value)!)}` })),
      },
      { kind: 'text', name: 'name', label: 'Name', missing: 'Enter their name' },
      { kind: 'email', name: 'email', label: 'Email address', optional: true, hint: 'Leave it empty if they have none: the service will not email them' },
      { kind: 'text', name: 'phone', label: 'Phone number', optional: true, width: 'govuk-input--width-20' },
      reason('Why are the details being corrected?', 'Enter why the details are being corrected'),
    ],
    intro: () => 'The details replace those on record, and emails go to the new address. Details from earlier corrections are erased.',
    // Opened for one party (?party=victim), the form starts from the details on record.
    prefill: (ctx, { party }) => {
      const person = personOf(ctx, party);
      return person ? { party, ...person } : {};
    },
  },
  RECORD_CONSENT: {
    check: true,
    fields: () => [
      { kind: 'radios', name: 'party', label: 'Whose consent is it?', missing: 'Select whose consent it is', options: parties },
      purposeChoice('given', 'What do they consent to?'),
      purposeChoice('withdrawn', 'What do they withdraw their consent from?'),
      {
        kind: 'radios',
        name: 'channel',
        label: 'How did they tell you?',
        missing: 'Select how they told you',
        options: consentChannels.map((c) => ({ value: c, text: consentChannelLabels[c]!.replace(/^./, (l) => l.toUpperCase()) })),
      },
      { kind: 'text', name: 'informationVersion', label: 'Version of the information they were given', optional: true, width: 'govuk-input--width-20' },
      note(),
    ],
    intro: () =>
      'Withdrawing consent to take part stops all contact and puts the case forward for closure. Withdrawing email contact stops every email to them, and the links already sent to them stop working. Withdrawing a direct meeting rules out a conference.',
    prefill: () => ({ informationVersion }),
  },
};

