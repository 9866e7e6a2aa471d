import { erasureBases } from '../../../privacy/lawfulBases.js';
import type { Field } from '../forms/fields.js';

/** The erasure form's questions, in the shape `erasureSchema` checks (src/privacy/privacyService.ts). */
export const erasureFields: Field[] = [
  {
    kind: 'radios',
    name: 'party',
    label: 'Whose personal data is to be erased?',
    missing: 'Select whose personal data is to be erased',
    options: [
      { value: 'victim', text: 'The victim', hint: 'Their details, their answers, their supporters, and the case’s notes and free text' },
      { value: 'offender', text: 'The offender', hint: 'Their details, their answers, their supporters, and the case’s notes and free text' },
    ],
  },
  {
    kind: 'radios',
    name: 'basis',
    label: 'What is the lawful reason?',
    missing: 'Select the lawful reason for the erasure',
    options: Object.entries(erasureBases).map(([value, text]) => ({ value, text })),
  },
  { kind: 'textarea', name: 'note', label: 'Note (optional)', optional: true, hint: 'For example, the date of the request and how it was checked. Do not name anyone.' },
];

/** A legal hold's one question: why the case's content must be kept past its retention date, or why that no longer applies. */
export const holdFields = (placing: boolean): Field[] => [
  {
    kind: 'textarea',
    name: 'reason',
    label: placing ? 'Why must this case be kept?' : 'Why can the hold be lifted?',
    called: 'The reason',
    missing: 'Enter the reason',
    hint: placing ? 'For example, a court order, a complaint or a claim that needs the record. Do not name anyone.' : 'For example, the proceedings have ended.',
  },
];
