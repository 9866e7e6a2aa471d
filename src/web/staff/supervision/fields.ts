import type { Field } from '../forms/fields.js';

/** The supervision session's questions, in the shape `recordSupervision` checks (src/oversight/supervision.ts). */
export const supervisionFields = (facilitators: { id: string; name: string }[]): Field[] => [
  {
    kind: 'radios',
    name: 'facilitatorId',
    label: 'Who was supervised?',
    missing: 'Select the practitioner who was supervised',
    options: facilitators.map((f) => ({ value: f.id, text: f.name })),
  },
  { kind: 'date', name: 'heldOn', label: 'Date of the session', hint: 'For example, 27 11 2026', called: 'The date of the session', missing: 'Enter the date of the session' },
  { kind: 'textarea', name: 'note', label: 'Note of the session', missing: 'Enter a note of the session', hint: 'What was discussed and agreed. Do not name victims or offenders: refer to cases by reference.' },
];
