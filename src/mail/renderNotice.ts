import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { noticeTemplates, staffTemplates, type NoticeModel, type NoticeTemplate, type RecipientKind, type RenderedNotice } from './noticeModel.js';
import { withoutAddresses } from './deliveryPolicy.js';

export type EmailErrorCode = 'UNKNOWN_TEMPLATE' | 'INVALID_MODEL';

/** A notice that cannot be rendered; the message names the problem, never the model's personal data. */
export class EmailError extends Error {
  override readonly name = 'EmailError';
  constructor(
    readonly code: EmailErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const templateDir = new URL('../../templates/email/', import.meta.url);
const staffKinds: readonly RecipientKind[] = ['facilitator', 'supervisor'];
const recipientKinds: readonly RecipientKind[] = ['victim', 'offender', 'supporter', ...staffKinds];
// The chart tells facilitators about conference changes with the parties' templates.
const sharedTemplates: ReadonlySet<NoticeTemplate> = new Set(['conference_invitation', 'conference_rescheduled', 'conference_cancelled']);

const hbs = Handlebars.create();
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerHelper('words', (code: unknown) => String(code ?? '').replaceAll('_', ' '));
hbs.registerHelper('recipientRole', (to: unknown) => {
  const role = String(to ?? '');
  return role.startsWith('supporter') ? 'a supporter' : `the ${role}`;
});
// Delivery errors may quote the address they failed on; staff look addresses up in the case instead.
hbs.registerHelper('withoutAddresses', (text: unknown) => withoutAddresses(String(text ?? '')));

/** Many email clients ignore <style> blocks, so the few element types the templates use get their styles inline. */
const fontStack = "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";
const inlineStyles: Record<string, string> = {
  p: `${fontStack}margin:0 0 20px 0;font-size:19px;line-height:25px;color:#0b0c0c;`,
  a: 'color:#1d70b8;text-decoration:underline;',
};
const styledTag = /<(p|a)(?=[\s>])/g;

interface CompiledNotice {
  subject: Handlebars.TemplateDelegate;
  html: Handlebars.TemplateDelegate;
  text: Handlebars.TemplateDelegate;
}

interface CompiledTemplates {
  layoutHtml: Handlebars.TemplateDelegate;
  layoutText: Handlebars.TemplateDelegate;
  notices: Map<NoticeTemplate, CompiledNotice>;
}

let compiled: CompiledTemplates | undefined;

/** Plain-text parts and subjects are not HTML, so they are compiled without HTML escaping. */
function compile(file: string, asText: boolean): Handlebars.TemplateDelegate {
  const source = readFileSync(new URL(file, templateDir), 'utf8');
  return hbs.compile(source, { noEscape: asText });
}

function templates(): CompiledTemplates {
  compiled ??= {
    layoutHtml: compile('layout.html.hbs', false),
    layoutText: compile('layout.text.hbs', true),
    notices: new Map(
      noticeTemplates.map((name) => [
        name,
        { subject: compile(`${name}.subject.hbs`, true), html: compile(`${name}.html.hbs`, false), text: compile(`${name}.text.hbs`, true) },
      ]),
    ),
  };
  return compiled;
}

function isNoticeTemplate(name: string): name is NoticeTemplate {
  return (noticeTemplates as readonly string[]).includes(name);
}

function isStaff(kind: RecipientKind): boolean {
  return staffKinds.includes(kind);
}

function writtenFor(template: NoticeTemplate, kind: RecipientKind): boolean {
  if (staffTemplates.has(template)) return isStaff(kind);
  return !isStaff(kind) || sharedTemplates.has(template);
}

function filled(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

function checkModel(template: NoticeTemplate, model: NoticeModel): void {
  const problems: string[] = [];
  // Models come from stored rows, so every part is checked, not trusted to match the type.
  const { service, recipient, caseReference, links, caseUrl } = (model ?? {}) as Partial<NoticeModel>;
  if (!filled(service?.name) || !filled(service?.phone) || !filled(service?.email)) problems.push('service needs a name, phone and email');
  if (!recipient || !recipientKinds.includes(recipient.kind) || !filled(recipient.name)) problems.push('recipient needs a known kind and a name');
  else if (!writtenFor(template, recipient.kind)) problems.push(`this template is not written for a ${recipient.kind}`);
  if (!filled(caseReference)) problems.push('caseReference is missing');
  for (const [purpose, url] of Object.entries(links ?? {})) {
    if (url !== undefined && !/^https?:\/\/\S+$/.test(url)) problems.push(`links.${purpose} must be an absolute http(s) URL`);
  }
  if (caseUrl !== undefined && !/^https?:\/\/\S+$/.test(caseUrl)) problems.push('caseUrl must be an absolute http(s) URL');
  for (const [purpose, date] of Object.entries(model?.linkExpiry ?? {})) {
    if (date !== undefined && !filled(date)) problems.push(`linkExpiry.${purpose} must be a date in words`);
  }
  if (problems.length > 0) throw new EmailError('INVALID_MODEL', `cannot render ${template}: ${problems.join('; ')}`);
}

function tidyText(text: string): string {
  return `${text.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}

/** A notice's subject on one line, and its HTML and text parts inside the shared layout. */
function inLayout(notice: CompiledNotice, context: Record<string, unknown>): RenderedNotice {
  const { layoutHtml, layoutText } = templates();
  const subject = notice.subject(context).replace(/\s+/g, ' ').trim();
  const body = new hbs.SafeString(notice.html(context));
  const html = layoutHtml({ ...context, subject, body }).replace(styledTag, (_, tag: string) => `<${tag} style="${inlineStyles[tag]}"`);
  return { subject, html, text: tidyText(layoutText({ ...context, body: notice.text(context) })) };
}

/** Renders a named notice to a one-line subject and its HTML and plain-text parts. */
export function renderNotice(template: string, model: NoticeModel): RenderedNotice {
  if (!isNoticeTemplate(template)) throw new EmailError('UNKNOWN_TEMPLATE', `there is no notice template called ${JSON.stringify(template)}`);
  checkModel(template, model);
  const notice = templates().notices.get(template)!;
  const { kind } = model.recipient;
  const context = {
    ...model,
    data: model.data ?? {},
    // Only the parties themselves act through links; a supporter's or a colleague's email carries none.
    links: kind === 'victim' || kind === 'offender' ? (model.links ?? {}) : {},
    linkExpiry: kind === 'victim' || kind === 'offender' ? (model.linkExpiry ?? {}) : {},
    // Staff reach the service another way; its public contact details are for the parties.
    staff: isStaff(kind),
    // Staff open the case in the staff app (signing in first if need be); parties have no way in there.
    caseUrl: isStaff(kind) ? model.caseUrl : undefined,
  };
  return inLayout(notice, context);
}

/** The emails about accounts rather than cases, in templates/email/account. */
export const accountTemplates = ['account_setup', 'access_alert'] as const;
export type AccountTemplate = (typeof accountTemplates)[number];

let accountCompiled: Map<AccountTemplate, CompiledNotice> | undefined;

/** Renders an email to a member of staff about their account, in the same layout, with no case and no links but its own. */
export function renderAccountNotice(template: AccountTemplate, model: { service: NoticeModel['service']; recipient: { name: string }; data: Record<string, unknown> }): RenderedNotice {
  accountCompiled ??= new Map(
    accountTemplates.map((name) => [name, { subject: compile(`account/${name}.subject.hbs`, true), html: compile(`account/${name}.html.hbs`, false), text: compile(`account/${name}.text.hbs`, true) }]),
  );
  const notice = accountCompiled.get(template)!;
  const context = { ...model, staff: true, links: {}, linkExpiry: {} };
  return inLayout(notice, context);
}
