import type { ErrorItem } from './views.js';

/** A urlencoded form's fields. */
export type FormBody = Record<string, unknown>;

/** One field's text as sent; a missing or repeated field is empty. */
export const textOf = (body: FormBody, name: string): string => {
  const value = body[name];
  return typeof value === 'string' ? value : '';
};

/** An optional free-text answer: left empty, it is not sent at all. */
export const optionalText = (body: FormBody, name: string): string | undefined => textOf(body, name).trim() || undefined;

/** A problem with one field: the message shows in the error summary (linking to `href`) and beside the field. */
export interface Problem {
  field: string;
  href: string;
  text: string;
}

/** What a form page needs to show its problems: a message per field and the error summary's list. */
export function errorsOf(problems: Problem[]): { errors: Record<string, string>; errorList: ErrorItem[] } {
  return {
    errors: Object.fromEntries(problems.map((p) => [p.field, p.text])),
    errorList: problems.map(({ text, href }) => ({ text, href })),
  };
}

/**
 * The engine's 422 issues as problems on the form: each issue's top-level field
 * gets that field's plain-English message; one the form cannot place asks the
 * person to check their answers.
 */
export function problemsFromIssues(issues: unknown, known: Record<string, Omit<Problem, 'field'>>): Problem[] {
  const list = Array.isArray(issues) ? (issues as { path?: unknown }[]) : [];
  const fields = [...new Set(list.map((i) => String(i.path ?? '').split('.')[0] ?? ''))];
  return fields.map((field) => {
    const problem = known[field];
    return problem ? { field, ...problem } : { field: '(form)', href: '#main-content', text: 'Something in your answers could not be saved. Check them and try again.' };
  });
}
