import type { Response } from 'express';
import type { Problem } from '../../formFields.js';
import { errorsOf } from '../../formFields.js';
import type { StaffRender } from '../render.js';

/** The sign-in page; a failed attempt shows one message whatever was wrong, so it never says whether an account exists. */
export function signInView(
  render: StaffRender,
  res: Response,
  status: number,
  form: { email: string; returnTo: string; csrf: string; signedOut?: boolean },
  problems: Problem[] = [],
) {
  render(res, status, 'signIn', {
    title: 'Sign in',
    section: 'signIn',
    values: { email: form.email },
    returnTo: form.returnTo,
    signInCsrf: form.csrf,
    signedOut: form.signedOut === true,
    ...errorsOf(problems),
  });
}

export const signInFailed: Problem[] = [{ field: 'email', href: '#email', text: 'Enter a correct email address and password' }];
