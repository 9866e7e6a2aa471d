/**
 * Form fields described once, as data: the reader turns a posted form into the
 * API's payload with them, the presenter turns them back into GOV.UK components
 * with their values and errors. A field's `name` is the API field's name; nested
 * fields and list items follow the API's shape (`agreement[0][dueDate]`).
 */

export interface Option {
  value: string;
  text: string;
  hint?: string;
}

interface Common {
  name: string;
  label: string;
  hint?: string;
  optional?: boolean;
  /** What to ask when the field is left empty; otherwise "Enter …" or "Select …" from the label. */
  missing?: string;
  /** The field's name in a message ("The date to ask them again must be a real date") when its label is a question. */
  called?: string;
}

/** How a message names a field: its own name, its label, or (for a question) "your answer". */
export const calledOf = (field: { label: string; called?: string }) => field.called ?? (field.label.endsWith('?') ? 'Your answer' : field.label);

export type Field =
  | (Common & { kind: 'text' | 'email' | 'textarea' | 'hidden'; value?: string; width?: string })
  /** Read exactly as typed and never shown again; `autocomplete` tells password managers which it is. */
  | (Common & { kind: 'password'; autocomplete: 'current-password' | 'new-password' })
  | (Common & { kind: 'radios'; options: Option[]; boolean?: boolean; reveals?: Record<string, Field[]> })
  /** Several choices: sent as a list, or with `asFlags` as an object of the chosen ones set true (the referral's flags). */
  | (Common & { kind: 'checkboxes'; options: Option[]; asFlags?: boolean })
  | (Common & { kind: 'date' | 'datetime' })
  /**
   * A nested object (`referrer`, `factors`). Always sent, so the schema names each missing field;
   * with `whenAnswered`, sent only when one of its questions is answered (`informationGiven`).
   */
  | (Common & { kind: 'group'; fields: Field[]; whenAnswered?: boolean })
  /** A list of objects with "Add another" (`agreement`). */
  | (Common & { kind: 'list'; itemLabel: string; max: number; fields: Field[] });

/** A field's place in the payload, and in the form's names and ids. */
export const htmlName = (path: (string | number)[]) => path.map((p, i) => (i === 0 ? String(p) : `[${p}]`)).join('');
export const htmlId = (path: (string | number)[]) => path.join('-');
