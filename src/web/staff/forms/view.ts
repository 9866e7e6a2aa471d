import Handlebars from 'handlebars';
import type { FormBody } from '../../formFields.js';
import { views } from '../../views.js';
import { htmlId, htmlName, type Field, type Option } from './fields.js';
import type { FormErrors } from './problems.js';
import { listRows } from './reader.js';

const { escapeExpression: esc } = Handlebars;

export interface FieldContext {
  /** What the form shows in each input: the posted body, or the prefilled one. */
  values: FormBody;
  errors: FormErrors;
  /** Options the case allows now; an option it would refuse is not offered. */
  offered?: (field: Field, option: Option) => boolean;
}

const one = (values: FormBody, name: string) => {
  const v = values[name];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
};
const many = (values: FormBody, name: string) => {
  const v = values[name];
  return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
};

const label = (field: Field) => `${field.label}${field.optional ? ' (optional)' : ''}`;
const hint = (field: Field) => (field.hint ? { hint: { text: field.hint } } : {});
const error = (ctx: FieldContext, id: string) => (ctx.errors.byId[id] ? { errorMessage: { text: ctx.errors.byId[id] } } : {});

const dateParts = ['day', 'month', 'year', 'hour', 'minute'];
/** A date or time's message, whichever box it was found at. */
const dateError = (ctx: FieldContext, id: string) => dateParts.map((p) => ctx.errors.byId[`${id}-${p}`]).find(Boolean);

const dateItems = (id: string, name: string, ctx: FieldContext, withTime: boolean) => {
  const failed = dateError(ctx, id) !== undefined;
  const parts: [string, string, string][] = [
    ['day', 'Day', 'govuk-input--width-2'],
    ['month', 'Month', 'govuk-input--width-2'],
    ['year', 'Year', 'govuk-input--width-4'],
    ...(withTime ? ([['hour', 'Hour', 'govuk-input--width-2'], ['minute', 'Minute', 'govuk-input--width-2']] as [string, string, string][]) : []),
  ];
  return parts.map(([part, text, width]) => ({
    name: part,
    label: text,
    classes: `${width}${failed ? ' govuk-input--error' : ''}`,
    value: one(ctx.values, `${name}-${part}`),
    inputmode: 'numeric',
  }));
};

/** The GOV.UK components for a form's fields, with the values shown and the errors found, as HTML. */
export function renderFields(fields: Field[], ctx: FieldContext, prefix: (string | number)[] = []): string {
  return fields.map((field) => renderField(field, ctx, [...prefix, field.name])).join('\n');
}

function renderField(field: Field, ctx: FieldContext, path: (string | number)[]): string {
  const id = htmlId(path);
  const name = htmlName(path);
  switch (field.kind) {
    case 'hidden':
      return `<input type="hidden" name="${esc(name)}" value="${esc(one(ctx.values, name) || field.value || '')}">`;
    case 'text':
    case 'email':
      return views.component('govukInput', {
        id,
        name,
        type: field.kind === 'email' ? 'email' : 'text',
        label: { text: label(field), classes: 'govuk-label--s' },
        ...hint(field),
        ...error(ctx, id),
        value: one(ctx.values, name),
        ...(field.width ? { classes: field.width } : {}),
        ...(field.kind === 'email' ? { spellcheck: false, autocomplete: 'off' } : {}),
      });
    case 'password':
      return views.component('govukInput', {
        id,
        name,
        type: 'password',
        label: { text: label(field), classes: 'govuk-label--s' },
        ...hint(field),
        ...error(ctx, id),
        autocomplete: field.autocomplete,
        spellcheck: false,
      });
    case 'textarea':
      return views.component('govukTextarea', {
        id,
        name,
        label: { text: label(field), classes: 'govuk-label--s' },
        ...hint(field),
        ...error(ctx, id),
        value: one(ctx.values, name),
        rows: 4,
      });
    case 'radios':
    case 'checkboxes': {
      const chosen = field.kind === 'radios' ? [one(ctx.values, name)] : many(ctx.values, name);
      const options = field.options.filter((o) => ctx.offered?.(field, o) ?? true);
      const items = options.map((o) => {
        const revealed = field.kind === 'radios' ? field.reveals?.[o.value] : undefined;
        return {
          value: o.value,
          text: o.text,
          ...(o.hint ? { hint: { text: o.hint } } : {}),
          checked: chosen.includes(o.value),
          ...(revealed ? { conditional: { html: new Handlebars.SafeString(renderFields(revealed, ctx, path.slice(0, -1))) } } : {}),
        };
      });
      return views.component(field.kind === 'radios' ? 'govukRadios' : 'govukCheckboxes', {
        idPrefix: id,
        name,
        fieldset: { legend: { text: label(field), classes: 'govuk-fieldset__legend--s' } },
        ...hint(field),
        ...error(ctx, id),
        items,
      });
    }
    case 'date':
    case 'datetime':
      return views.component('govukDateInput', {
        id,
        namePrefix: name,
        fieldset: { legend: { text: label(field), classes: 'govuk-fieldset__legend--s' } },
        hint: { text: field.hint ?? (field.kind === 'date' ? 'For example, 27 3 2027' : 'For example, 27 3 2027 and 14 30 for 2:30pm (UK time)') },
        errorMessage: dateError(ctx, id) ? { text: dateError(ctx, id) } : undefined,
        items: dateItems(id, name, ctx, field.kind === 'datetime'),
      });
    case 'group':
      return views.component('govukFieldset', {
        legend: { text: label(field), classes: 'govuk-fieldset__legend--s' },
        html: new Handlebars.SafeString(renderFields(field.fields, ctx, path)),
      });
    case 'list': {
      const rows = listRows(ctx.values, path, field);
      const row = (i: number) =>
        views.component('govukFieldset', {
          legend: { text: `${field.itemLabel} ${i + 1}`, classes: 'govuk-fieldset__legend--s' },
          html: new Handlebars.SafeString(
            renderFields(field.fields, ctx, [...path, i]) +
              (rows > 1
                ? `<button type="submit" name="listAction" value="remove:${esc(name)}:${i}" class="govuk-button govuk-button--secondary" data-module="govuk-button">Remove ${esc(field.itemLabel.toLowerCase())} ${i + 1}</button>`
                : ''),
          ),
        });
      const add =
        rows < field.max
          ? `<button type="submit" name="listAction" value="add:${esc(name)}" class="govuk-button govuk-button--secondary" data-module="govuk-button">Add another ${esc(field.itemLabel.toLowerCase())}</button>`
          : '';
      return `<div class="app-add-another" id="${esc(id)}"><h2 class="govuk-heading-s">${esc(label(field))}</h2>${field.hint ? `<p class="govuk-hint">${esc(field.hint)}</p>` : ''}${Array.from({ length: rows }, (_, i) => row(i)).join('')}<input type="hidden" name="${esc(name)}-rows" value="${rows}">${add}</div>`;
    }
  }
}

/**
 * "Add another" and "Remove" without JavaScript: the buttons post the form, and the
 * form comes back with one more row, or with that row gone and the later ones moved up.
 */
export function applyListAction(values: FormBody, action: string): FormBody {
  const [kind, name, index] = action.split(':');
  if (!name) return values;
  const rowsKey = `${name}-rows`;
  const rows = Number(one(values, rowsKey)) || 1;
  if (kind === 'add') return { ...values, [rowsKey]: String(rows + 1) };
  const removed = Number(index);
  if (kind !== 'remove' || !Number.isInteger(removed) || removed < 0 || removed >= rows) return values;
  const out: FormBody = { [rowsKey]: String(Math.max(1, rows - 1)) };
  const rowOf = new RegExp(`^${name.replace(/[[\]]/g, '\\$&')}\\[(\\d+)\\](.*)$`);
  for (const [key, value] of Object.entries(values)) {
    if (key === rowsKey) continue;
    const m = rowOf.exec(key);
    if (!m) out[key] = value;
    else if (Number(m[1]) < removed) out[key] = value;
    else if (Number(m[1]) > removed) out[`${name}[${Number(m[1]) - 1}]${m[2]}`] = value;
  }
  return out;
}

/** The posted values again, as hidden inputs: a check-your-answers page carries the answers to its confirm button. */
export function hiddenValues(values: FormBody, leaveOut: string[]): string {
  return Object.entries(values)
    .filter(([k]) => !leaveOut.includes(k))
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `<input type="hidden" name="${esc(k)}" value="${esc(String(x ?? ''))}">`))
    .join('\n');
}
