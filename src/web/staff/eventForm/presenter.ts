import Handlebars from 'handlebars';
import { eventLabels } from '../../../../machines/case/eventLabels.js';
import type { StaffEvent } from '../../../../machines/case/permissions.js';
import type { FormBody } from '../../formFields.js';
import { day, when } from '../caseWords.js';
import type { Field, Option } from '../forms/fields.js';
import type { FormErrors } from '../forms/problems.js';
import { readFields } from '../forms/reader.js';
import { hiddenValues, renderFields } from '../forms/view.js';
import type { EventForm, FormContext } from './registry.js';

export interface EventFormState {
  type: StaffEvent;
  form: EventForm;
  ctx: FormContext;
  /** The form's values: posted, or prefilled for a new form. */
  values: FormBody;
  errors: FormErrors;
  offered: (field: Field, option: Option) => boolean;
  /** The case version the form was opened at, and the key that makes a double submit record one event. */
  version: string;
  idempotencyKey: string;
}

const actionOf = (s: EventFormState) => `/cases/${s.ctx.view.id}/events/${s.type}`;
/** What travels with the form from page to page besides its answers. */
const carried = (s: EventFormState) =>
  `<input type="hidden" name="version" value="${Handlebars.escapeExpression(s.version)}"><input type="hidden" name="idempotencyKey" value="${Handlebars.escapeExpression(s.idempotencyKey)}">`;

/** The form page: its fields with the values kept and the errors at each field and in the summary. */
export function eventFormPresenter(s: EventFormState) {
  const label = eventLabels[s.type];
  return {
    title: label,
    caption: `Case ${s.ctx.view.reference}`,
    intro: s.form.intro?.(s.ctx),
    action: actionOf(s),
    caseHref: `/cases/${s.ctx.view.id}`,
    fields: new Handlebars.SafeString(renderFields(s.form.fields(s.ctx), { values: s.values, errors: s.errors, offered: s.offered })),
    carried: new Handlebars.SafeString(carried(s)),
    button: s.form.check ? 'Continue' : (s.form.button ?? 'Save'),
    step: s.form.check ? 'check' : 'confirm',
    errorList: s.errors.errorList,
  };
}

const optionText = (field: Field & { options: Option[] }, value: unknown) => field.options.find((o) => o.value === String(value === true ? 'yes' : value === false ? 'no' : value))?.text ?? String(value);

/** The answers as summary-list rows, in the form's order and words. */
function answerRows(fields: Field[], payload: Record<string, unknown>): { key: { text: string }; value: { text: string } }[] {
  return fields.flatMap((field) => {
    const value = payload[field.name];
    const row = (text: string) => [{ key: { text: field.label }, value: { text } }];
    switch (field.kind) {
      case 'hidden':
        return [];
      case 'radios':
        return [...(value === undefined ? [] : row(optionText(field, value))), ...answerRows(Object.values(field.reveals ?? {}).flat(), payload)];
      case 'checkboxes':
        return value === undefined ? [] : row((value as string[]).map((v) => optionText(field, v)).join(', '));
      case 'date':
        return value === undefined ? [] : row(day(String(value)));
      case 'datetime':
        return value === undefined ? [] : row(when(String(value)));
      case 'group':
        return value === undefined ? [] : answerRows(field.fields, value as Record<string, unknown>);
      case 'list':
        return ((value as Record<string, unknown>[] | undefined) ?? []).map((item, i) => ({
          key: { text: `${field.itemLabel} ${i + 1}` },
          value: { text: answerRows(field.fields, item).map((r) => `${r.key.text}: ${r.value.text}`).join('; ') },
        }));
      default:
        return value === undefined ? [] : row(String(value));
    }
  });
}

/** Check your answers: what will be recorded, a way back to change it, and the button that records it. */
export function checkAnswersPresenter(s: EventFormState) {
  const { payload } = readFields(s.form.fields(s.ctx), s.values);
  return {
    title: `Check your answers: ${eventLabels[s.type].charAt(0).toLowerCase()}${eventLabels[s.type].slice(1)}`,
    caption: `Case ${s.ctx.view.reference}`,
    intro: s.form.intro?.(s.ctx),
    action: actionOf(s),
    caseHref: `/cases/${s.ctx.view.id}`,
    rows: answerRows(s.form.fields(s.ctx), payload),
    answers: new Handlebars.SafeString(hiddenValues(s.values, ['_csrf', 'step', 'version', 'idempotencyKey', 'listAction']) + carried(s)),
  };
}


