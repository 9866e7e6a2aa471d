import type { z } from 'zod';
import { toIssues, type Issue } from '../../../cases/validation.js';
import type { ErrorItem } from '../../views.js';
import { calledOf, htmlId, type Field } from './fields.js';
import type { ReadForm } from './reader.js';

/** The errors a form shows: one message per field (by its input's id) and the error summary's list. */
export interface FormErrors {
  byId: Record<string, string>;
  errorList: ErrorItem[];
}

export const noErrors: FormErrors = { byId: {}, errorList: [] };

const lowerFirst = (t: string) => t.charAt(0).toLowerCase() + t.slice(1);
const sentence = (t: string) => (/[.?!)]$/.test(t) ? t : `${t}.`).replace(/\.\.$/, '.');

/** The id of the input an error should take the user to: a date's day box, a group's first question. */
function inputId(field: Field, path: (string | number)[]): string {
  switch (field.kind) {
    case 'date':
    case 'datetime':
      return `${htmlId(path)}-day`;
    case 'group': {
      const first = field.fields.find((f) => f.kind !== 'hidden');
      return first ? inputId(first, [...path, first.name]) : htmlId(path);
    }
    case 'list': {
      const first = field.fields[0]!;
      return inputId(first, [...path, 0, first.name]);
    }
    default:
      return htmlId(path);
  }
}

/** Every input id of the form, in the order the form shows them (the rows of a list as many as were read). */
function inputOrder(fields: Field[], read: ReadForm, prefix: (string | number)[] = []): string[] {
  return fields.flatMap((field) => {
    const path = [...prefix, field.name];
    switch (field.kind) {
      case 'date':
      case 'datetime':
        return ['day', 'month', 'year', 'hour', 'minute'].map((part) => `${htmlId(path)}-${part}`);
      case 'group':
        return inputOrder(field.fields, read, path);
      case 'list': {
        const rows = Math.max(1, ...(read.rowsOf[path.join('.')] ?? []).map((i) => i + 1));
        return Array.from({ length: rows }, (_, i) => inputOrder(field.fields, read, [...path, i])).flat();
      }
      case 'radios':
        return [htmlId(path), ...inputOrder(Object.values(field.reveals ?? {}).flat(), read, prefix)];
      default:
        return [htmlId(path)];
    }
  });
}

/** The field an issue's dotted path names, and the form path to its input (list items mapped back to their form rows). */
function locate(fields: Field[], issuePath: string, read: ReadForm): { field: Field; path: (string | number)[]; given: boolean } | undefined {
  const parts = issuePath.split('.');
  let list = fields;
  let payload: unknown = read.payload;
  const path: (string | number)[] = [];
  let found: Field | undefined;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const field = list.find((f) => f.name === part) ?? list.flatMap((f) => (f.kind === 'radios' ? Object.values(f.reveals ?? {}).flat() : [])).find((f) => f.name === part);
    if (!field) break;
    found = field;
    path.push(part);
    payload = (payload as Record<string, unknown> | undefined)?.[part];
    if (field.kind === 'group') list = field.fields;
    else if (field.kind === 'list') {
      const index = Number(parts[i + 1]);
      if (!Number.isInteger(index)) break;
      const listPath = path.join('.');
      path.push(read.rowsOf[listPath]?.[index] ?? index);
      payload = (payload as unknown[] | undefined)?.[index];
      list = field.fields;
      i++;
    } else break;
  }
  return found && { field: found, path, given: payload !== undefined };
}

/**
 * The engine's issues and the reader's problems as the form shows them. The
 * rules are the event's own schema and chart; this only says which field each
 * issue belongs to, and puts it in the words of a form.
 */
export function formErrors(fields: Field[], read: ReadForm, issues: Issue[] = []): FormErrors {
  const byId: Record<string, string> = {};
  const errorList: ErrorItem[] = [];
  const add = (id: string, text: string) => {
    if (byId[id]) return;
    byId[id] = text;
    errorList.push({ text, href: `#${id}` });
  };
  for (const p of read.problems) add(p.id, p.text);
  const unreadable = new Set(read.problems.map((p) => p.path));
  for (const issue of issues) {
    // A field the form could not read has said so already; the schema only adds that it is missing.
    if (unreadable.has(issue.path)) continue;
    const at = locate(fields, issue.path, read);
    if (!at) {
      add('main-content', sentence(`Something in your answers could not be saved: ${issue.message}`));
      continue;
    }
    const { field, path, given } = at;
    const text = !given
      ? (field.missing ?? `${['radios', 'checkboxes'].includes(field.kind) ? 'Select' : 'Enter'} ${lowerFirst(field.label)}`)
      : /^[a-z]/.test(issue.message)
        ? sentence(`${calledOf(field)} ${issue.message}`)
        : sentence(issue.message);
    add(inputId(field, path), text.replace(/\.$/, ''));
  }
  // The summary lists the problems in the order of the form's questions.
  const order = inputOrder(fields, read);
  const at = (href: string) => {
    const i = order.indexOf(href.slice(1));
    return i < 0 ? order.length : i;
  };
  errorList.sort((a, b) => at(a.href) - at(b.href));
  return { byId, errorList };
}

/** The schema's issues with a payload, when the form itself already found a problem and the engine is not asked. */
export function schemaIssues(schema: z.ZodType, payload: unknown): Issue[] {
  const parsed = schema.safeParse(payload);
  return parsed.success ? [] : toIssues(parsed.error);
}
