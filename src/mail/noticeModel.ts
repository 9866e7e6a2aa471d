/**
 * What a notice template is given. It is built at send time from the notice
 * row, the case and the recipient; a model for one party never holds the other
 * party's name or contact details.
 */
const partyTemplates = [
  'victim_invitation',
  'invitation_reminder',
  'thank_you',
  'conference_invitation',
  'conference_rescheduled',
  'conference_cancelled',
  'agreement_item_completed',
  'agreement_item_missed',
  'feedback_request',
  'withdrawal_confirmation',
] as const;
const staffOnlyTemplates = [
  'allocation',
  'party_responded',
  'reoffer_due',
  'approval_requested',
  'approval_decision',
  'item_overdue',
  'notice_undeliverable',
] as const;
export const noticeTemplates = [...partyTemplates, ...staffOnlyTemplates] as const;
export type NoticeTemplate = (typeof noticeTemplates)[number];

/** Templates written for staff alone; every other template is written for the parties. */
export const staffTemplates: ReadonlySet<NoticeTemplate> = new Set(staffOnlyTemplates);

export type RecipientKind = 'victim' | 'offender' | 'supporter' | 'facilitator' | 'supervisor';

export interface NoticeModel {
  service: { name: string; phone: string; email: string };
  recipient: { kind: RecipientKind; name: string };
  /** The service's case reference (RJ-2026-000001); no crime reference or offence details. */
  caseReference: string;
  /** Absolute URLs; only those this notice carries are present. */
  links: { respond?: string; withdraw?: string; feedback?: string };
  /** The London date each link stops working, as words ("Tuesday 8 December 2026"); the emails tell the reader. */
  linkExpiry?: Partial<Record<keyof NoticeModel['links'], string>>;
  /**
   * The case's page in the staff app (`${BASE_URL}/cases/<id>`), an absolute URL. Every email to staff
   * carries it ("Open the case: …"); a party's email never does, whatever the model holds.
   */
  caseUrl?: string;
  /** Template-specific facts: see each template. Dates arrive formatted for Europe/London. */
  data: Record<string, unknown>;
}

export interface RenderedNotice {
  subject: string;
  html: string;
  text: string;
}
