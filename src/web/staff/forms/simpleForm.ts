import Handlebars from 'handlebars';
import type { Response } from 'express';
import type { FormBody } from '../../formFields.js';
import type { Section, StaffRender } from '../render.js';
import type { Field } from './fields.js';
import type { FormErrors } from './problems.js';
import { renderFields } from './view.js';

export interface SimpleForm {
  title: string;
  intro?: string[];
  action: string;
  button: string;
  cancel?: string;
  section: Section;
  fields: Field[];
}

/** A one-page form that is not a case event (an account, a token, a password): its fields, values and errors in templates/staff/simpleForm. */
export const showSimpleForm = (render: StaffRender) => (res: Response, status: number, form: SimpleForm, values: FormBody, errors: FormErrors, csrf?: string) =>
  render(res, status, 'simpleForm', {
    ...form,
    fields: new Handlebars.SafeString(renderFields(form.fields, { values, errors })),
    errorList: errors.errorList,
    ...(csrf ? { csrf } : {}),
  });
