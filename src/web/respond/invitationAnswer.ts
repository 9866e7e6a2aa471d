import { textOf, optionalText, type FormBody, type Problem } from '../formFields.js';

/** The version of the information about restorative justice on the invitation page; recorded with each answer (RJC Code item A). */
export const informationVersion = 'rj-information-2026-11';

const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** When a version of the information was written, for the victim to read: "November 2026" from "rj-information-2026-11". */
export function informationUpdated(version: string): string {
  const match = /^rj-information-(\d{4})-(\d{2})$/.exec(version);
  const month = match ? months[Number(match[2]) - 1] : undefined;
  if (!match || !month) throw new RangeError(`an information version is rj-information-YYYY-MM, not "${version}"`);
  return `${month} ${match[1]}`;
}

const dateParts = ['day', 'month', 'year'] as const;
type DatePart = (typeof dateParts)[number];

/** The answer's form fields: shown again as sent when there is something to fix. */
export const invitationFields = ['response', 'preferredProcess', 'accessNeeds', 'safeContact', ...dateParts.map((p) => `reofferAfter-${p}`)];

/** Each field's problem when the engine refuses it (the limits are those of VICTIM_RESPONDED). */
export const invitationIssues: Record<string, Omit<Problem, 'field'>> = {
  response: { href: '#response', text: 'Select whether you want to take part' },
  reofferAfter: { href: '#reofferAfter-day', text: 'The date to ask you again must be a real date' },
  preferredProcess: { href: '#preferredProcess', text: 'Select how you would prefer to take part, or that you are not sure yet' },
  accessNeeds: { href: '#accessNeeds', text: 'What would make it easier for you to take part must be 2,000 characters or less' },
  safeContact: { href: '#safeContact', text: 'Safe times and ways to contact you must be 2,000 characters or less' },
};

export interface DateProblem extends Problem {
  parts: DatePart[];
}

/**
 * The optional re-offer date from its three boxes, checked as GOV.UK's date
 * pattern asks: complete, real, and (here) after `today` (YYYY-MM-DD).
 */
function readReofferDate(body: FormBody, today: string): { date?: string; problem?: DateProblem } {
  const given = Object.fromEntries(dateParts.map((p) => [p, textOf(body, `reofferAfter-${p}`).trim()])) as Record<DatePart, string>;
  const problem = (text: string, parts: DatePart[]) => ({ problem: { field: 'reofferAfter', href: `#reofferAfter-${parts[0]}`, text, parts } });
  const missing = dateParts.filter((p) => !given[p]);
  if (missing.length === dateParts.length) return {};
  if (missing.length) return problem(`The date to ask you again must include a ${missing.join(' and ')}`, missing);
  if (!/^\d{1,2}$/.test(given.day) || !/^\d{1,2}$/.test(given.month)) return problem('The date to ask you again must be a real date', [...dateParts]);
  if (!/^\d{4}$/.test(given.year)) return problem('Year must include 4 numbers', ['year']);
  const [y, m, d] = [Number(given.year), Number(given.month), Number(given.day)];
  const real = new Date(Date.UTC(y, m - 1, d));
  if (real.getUTCFullYear() !== y || real.getUTCMonth() !== m - 1 || real.getUTCDate() !== d) {
    return problem('The date to ask you again must be a real date', [...dateParts]);
  }
  const date = real.toISOString().slice(0, 10);
  if (date <= today) return problem('The date to ask you again must be in the future', [...dateParts]);
  return { date };
}

/**
 * The victim's answer as a VICTIM_RESPONDED event, or the date's problem to fix.
 * Empty optional fields are left out; a date is only read for "not now". The
 * engine checks the rest, and its issues come back as `invitationIssues`.
 */
export function readInvitationAnswer(body: FormBody, today: string): { event?: Record<string, unknown>; problems: Problem[]; dateParts: DatePart[] } {
  const response = textOf(body, 'response');
  const reoffer = response === 'not_now' ? readReofferDate(body, today) : {};
  if (reoffer.problem) return { problems: [reoffer.problem], dateParts: reoffer.problem.parts };

  const optional = {
    reofferAfter: reoffer.date,
    preferredProcess: textOf(body, 'preferredProcess') || undefined,
    accessNeeds: optionalText(body, 'accessNeeds'),
    safeContact: optionalText(body, 'safeContact'),
  };
  const given = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined));
  return { event: { type: 'VICTIM_RESPONDED', response, ...given, informationVersion }, problems: [], dateParts: [] };
}
