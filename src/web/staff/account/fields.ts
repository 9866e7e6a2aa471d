import type { Field } from '../forms/fields.js';

const newPassword = (name: string, label: string): Field => ({
  kind: 'password',
  name,
  label,
  autocomplete: 'new-password',
  hint: 'At least 12 characters. A few unrelated words make a password that is long and easy to remember. Very common passwords are refused.',
});

/** Changing one's own password: the current one, then the new. */
export const changePasswordFields: Field[] = [
  { kind: 'password', name: 'currentPassword', label: 'Current password', autocomplete: 'current-password' },
  newPassword('newPassword', 'New password'),
];

/** Choosing a password through a set-up link. */
export const setUpPasswordFields: Field[] = [newPassword('password', 'Password')];

/** Issuing an API token. */
export const newTokenFields: Field[] = [
  { kind: 'text', name: 'label', label: 'Label', hint: 'What the token is for, so you can tell your tokens apart. For example, "Monthly report script".', width: 'govuk-!-width-two-thirds' },
];
