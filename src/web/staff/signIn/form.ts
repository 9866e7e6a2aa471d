import { textOf, type FormBody } from '../../formFields.js';
import { safeReturnTo } from '../staffSession.js';

/** The sign-in form as sent: the email trimmed, the password exactly as typed, and where to go after. */
export function readSignIn(body: FormBody) {
  return { email: textOf(body, 'email').trim(), password: textOf(body, 'password'), returnTo: safeReturnTo(textOf(body, 'returnTo')) };
}
