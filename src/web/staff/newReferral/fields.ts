import type { Field } from '../forms/fields.js';

const person = (name: 'victim' | 'offender', label: string, hint: string): Field => ({
  kind: 'group',
  name,
  label,
  hint,
  fields: [
    { kind: 'text', name: 'name', label: 'Full name', missing: `Enter the ${name}'s full name` },
    { kind: 'email', name: 'email', label: 'Email address', optional: true },
    { kind: 'text', name: 'phone', label: 'Phone number', optional: true, width: 'govuk-input--width-20' },
  ],
});

/** The referral form's questions, in the shape of the API's referral (checked by its schema when posted). */
export const referralFields: Field[] = [
  {
    kind: 'group',
    name: 'referrer',
    label: 'Who made the referral',
    fields: [
      { kind: 'text', name: 'agency', label: 'Agency', hint: 'For example, Northshire Police or the Youth Offending Team', missing: "Enter the referrer's agency" },
      { kind: 'text', name: 'name', label: 'Name', missing: "Enter the referrer's name" },
      { kind: 'email', name: 'email', label: 'Email address', missing: "Enter the referrer's email address" },
    ],
  },
  {
    kind: 'group',
    name: 'offence',
    label: 'The offence',
    fields: [
      { kind: 'text', name: 'type', label: 'Type of offence', hint: 'For example, burglary or assault', missing: 'Enter the type of offence' },
      { kind: 'date', name: 'date', label: 'Date of the offence', missing: 'Enter the date of the offence' },
      { kind: 'textarea', name: 'description', label: 'What happened', hint: 'Only what is needed to assess the referral', missing: 'Enter what happened' },
      { kind: 'text', name: 'crimeReference', label: 'Crime reference', optional: true, width: 'govuk-input--width-20' },
    ],
  },
  {
    kind: 'radios',
    name: 'cjsStage',
    label: 'Where is the case in the criminal justice process?',
    missing: 'Select where the case is in the criminal justice process',
    options: [
      { value: 'out_of_court', text: 'Dealt with out of court' },
      { value: 'pre_sentence', text: 'Before sentence' },
      { value: 'post_sentence', text: 'After sentence' },
      { value: 'custody', text: 'The offender is in custody' },
    ],
  },
  {
    kind: 'radios',
    name: 'initiatedBy',
    label: 'Who asked for restorative justice?',
    missing: 'Select who asked for restorative justice',
    options: [
      { value: 'victim', text: 'The victim' },
      { value: 'offender', text: 'The offender' },
      { value: 'agency', text: 'The referring agency' },
    ],
  },
  person('victim', 'The victim', 'Their details are kept from the offender, and the offender’s from them.'),
  person('offender', 'The offender', 'If they have no email address, they are contacted through their offender manager.'),
  {
    kind: 'checkboxes',
    name: 'flags',
    asFlags: true,
    label: 'Does any of these apply?',
    hint: 'Sensitive offences need a facilitator trained for them and a supervisor’s approval of the risk assessment. Select all that apply.',
    optional: true,
    options: [
      { value: 'domesticAbuse', text: 'Domestic abuse' },
      { value: 'sexualOffence', text: 'Sexual offence' },
      { value: 'hateCrime', text: 'Hate crime' },
      { value: 'stalking', text: 'Stalking' },
      { value: 'youth', text: 'The offender is under 18' },
      { value: 'vulnerableVictim', text: 'The victim is vulnerable or intimidated' },
    ],
  },
];
