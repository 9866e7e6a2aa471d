import type { Response } from 'express';
import type { Problem } from '../../formFields.js';
import { errorsOf } from '../../formFields.js';
import { londonDateTime } from '../../../calendar/londonTime.js';
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

/**
 * Too many failed attempts: from this address, or at this account (whether or not
 * it exists, so the page says nothing about that). With `until`, when to try again.
 */
export function tooManyAttempts(render: StaffRender, res: Response, wait?: { until: Date; now: Date }) {
  if (wait) res.set('Retry-After', String(Math.max(1, Math.ceil((wait.until.getTime() - wait.now.getTime()) / 1000))));
  render(res, 429, 'tooManySignIns', { title: 'Too many attempts to sign in', ...(wait ? { tryAgainAt: londonDateTime(wait.until.toISOString()) } : {}) });
}
