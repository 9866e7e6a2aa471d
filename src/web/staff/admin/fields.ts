import { specialisms } from '../../../../machines/case/context.v2.js';
import type { Field } from '../forms/fields.js';
import { specialismWords } from '../caseWords.js';

const capitalised = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);

/** Adding a user, in the shape invitedUserSchema checks (src/auth/users.ts). No password: the user chooses it. */
export const newUserFields: Field[] = [
  { kind: 'text', name: 'name', label: 'Full name', width: 'govuk-!-width-two-thirds' },
  { kind: 'email', name: 'email', label: 'Email address', hint: 'Their work email. The link to choose a password is sent here.', width: 'govuk-!-width-two-thirds' },
  {
    kind: 'radios',
    name: 'role',
    label: 'Role',
    options: [
      { value: 'facilitator', text: 'Facilitator', hint: 'Works the cases allocated to them.' },
      { value: 'supervisor', text: 'Supervisor', hint: 'Allocates and oversees every case, approves risk and closures, and reports.' },
      { value: 'admin', text: 'Administrator', hint: 'Manages user accounts. Does not work cases.' },
    ],
  },
  {
    kind: 'checkboxes',
    name: 'trainedFor',
    label: 'Specialist training (facilitators)',
    hint: 'Cases flagged with these offence types can be allocated only to a facilitator trained for them.',
    optional: true,
    options: specialisms.map((s) => ({ value: s, text: capitalised(specialismWords[s]!) })),
  },
];
