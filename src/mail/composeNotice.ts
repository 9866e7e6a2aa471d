import type { SendMailOptions } from 'nodemailer';
import type { CaseContext } from '../../machines/case/context.js';
import { restoreCase } from '../../machines/case/index.js';
import { londonDate, londonDateTime, londonDay } from '../calendar/londonTime.js';
import { noEmailAddress } from '../cases/effects.js';
import type { Referral } from '../cases/referral.js';
import type { Config } from '../config.js';
import type { LinkTokens } from '../links/linkTokens.js';
import type { StaffContact, OutboxStore } from '../store/mailQueue.js';
import type { CaseRecord, HistoryRecord, LinkPurpose, NoticeRecord, Store } from '../store/store.js';
import { conferenceCalendar } from './calendar.js';
import { Undeliverable } from './deliveryPolicy.js';
import type { NoticeModel, NoticeTemplate, RecipientKind } from './noticeModel.js';
import { EmailError, renderNotice } from './renderNotice.js';

export interface ComposerDeps {
  store: Pick<Store, 'caseById' | 'usersByIds' | 'linksForNotice' | 'history'>;
  outboxStore: Pick<OutboxStore, 'activeSupervisors'>;
  linkTokens: Pick<LinkTokens, 'tokenFor'>;
  config: Pick<Config, 'baseUrl' | 'mailFrom' | 'service'>;
}

/** Builds the message for a notice row; throws Undeliverable when it can never be sent as it stands. */
export type Compose = (notice: NoticeRecord) => Promise<SendMailOptions>;

interface Recipients {
  kind: RecipientKind;
  people: { name: string; email?: string | undefined }[];
}

const linkKeys: Record<LinkPurpose, keyof NoticeModel['links']> = { invitation: 'respond', withdrawal: 'withdraw', feedback: 'feedback' };
const calendarMethods: Partial<Record<NoticeTemplate, 'REQUEST' | 'CANCEL'>> = {
  conference_invitation: 'REQUEST',
  conference_rescheduled: 'REQUEST',
  conference_cancelled: 'CANCEL',
};

/**
 * Resolves who a notice goes to at send time and renders it. A party's model
 * holds only their own name and links; the other party's details never reach it.
 */
export function createComposer({ store, outboxStore, linkTokens, config }: ComposerDeps): Compose {
  const host = new URL(config.baseUrl).hostname;

  async function recipientsOf(recipient: string, record: CaseRecord, context: CaseContext): Promise<Recipients> {
    if (recipient === 'victim' || recipient === 'offender') {
      return { kind: recipient, people: [(record.referral as Referral)[recipient]] };
    }
    if (recipient.startsWith('supporter:')) {
      const supporter = context.supporters.find((s) => `supporter:${s.id}` === recipient);
      if (!supporter) throw new Undeliverable('This supporter is no longer on the case.');
      return { kind: 'supporter', people: [supporter] };
    }
    if (recipient === 'facilitators') {
      const users = await store.usersByIds(record.facilitatorIds);
      const active = users.filter((u) => u.role === 'facilitator' && !u.disabledAt);
      if (active.length === 0) throw new Undeliverable('No active facilitator on this case.');
      return { kind: 'facilitator', people: active };
    }
    if (recipient === 'supervisors') {
      const active: StaffContact[] = await outboxStore.activeSupervisors();
      if (active.length === 0) throw new Undeliverable('No active supervisor to send this to.');
      return { kind: 'supervisor', people: active };
    }
    throw new Undeliverable(`Unknown recipient "${recipient}".`);
  }

  async function linksOf(notice: NoticeRecord): Promise<Pick<NoticeModel, 'links' | 'linkExpiry'>> {
    if (notice.recipient !== 'victim' && notice.recipient !== 'offender') return { links: {} };
    const links = await store.linksForNotice(notice.id);
    return {
      links: Object.fromEntries(links.map((l) => [linkKeys[l.purpose], `${config.baseUrl}/respond/${linkTokens.tokenFor(l.id)}`])),
      // A link works until its instant; the reader is told the London date on which it stops.
      linkExpiry: Object.fromEntries(links.map((l) => [linkKeys[l.purpose], londonDay(londonDate(l.expiresAt))])),
    };
  }

  return async (notice) => {
    // renderNotice refuses a template it does not know.
    const template = notice.template as NoticeTemplate;
    const record = await store.caseById(notice.caseId);
    if (!record) throw new Undeliverable('The case no longer exists.');
    const context = restoreCase(record.machineVersion, record.snapshot).context;
    const { kind, people } = await recipientsOf(notice.recipient, record, context);
    const to = people.map((p) => {
      if (!p.email) throw new Undeliverable(noEmailAddress);
      return { name: p.name, address: p.email };
    });

    const data: Record<string, unknown> = { ...notice.data };
    const item = context.agreement.find((i) => i.id === notice.data.itemId);
    if (item) data.item = { action: item.action, dueDate: londonDay(item.dueDate) };
    // The victim's own "contact me after" date, in the thank-you that answers it.
    if (template === 'thank_you' && context.victim.reofferAfter) data.reofferAfter = londonDay(context.victim.reofferAfter);
    const method = calendarMethods[template];
    const conference = method ? conferenceAsOf(await store.history(record.id), notice.seq) : undefined;
    if (method && !conference) throw new Undeliverable('No conference was scheduled when this notice was queued.');
    if (conference) Object.assign(data, { startsAt: londonDateTime(conference.startsAt), venue: conference.venue });

    const model: NoticeModel = {
      service: config.service,
      recipient: { kind, name: listOfNames(people.map((p) => p.name)) },
      caseReference: record.reference,
      // Every email to staff links to the case page; renderNotice leaves it out of a party's.
      caseUrl: `${config.baseUrl}/cases/${encodeURIComponent(record.id)}`,
      ...(await linksOf(notice)),
      data,
    };
    let rendered;
    try {
      rendered = renderNotice(template, model);
    } catch (err) {
      // Only a model the template cannot take is permanent; a template file that fails to load is ours to fix, so the notice retries.
      if (err instanceof EmailError) throw new Undeliverable(`The email could not be written: ${err.message}`);
      throw err;
    }
    const icalEvent = method && conference && {
      method,
      filename: 'invite.ics',
      content: conferenceCalendar({
        // One UID per case and a sequence that only grows, so calendars update the one event.
        uid: `conference-${record.id}@${host}`,
        sequence: notice.seq,
        method,
        startsAt: conference.startsAt,
        venue: conference.venue,
        summary: 'Restorative justice meeting',
        organizer: { name: config.service.name, email: config.service.email },
      }),
    };
    return {
      // The same Message-ID on every attempt, so a message the server took before a timeout is recognisably the same one.
      messageId: `<notice-${notice.id}@${host}>`,
      from: config.mailFrom,
      to,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      headers: { 'Auto-Submitted': 'auto-generated' },
      ...(icalEvent ? { icalEvent } : {}),
    };
  };
}

/** The conference as it stood after the event that queued the notice (a cancellation keeps the last one scheduled). */
function conferenceAsOf(history: HistoryRecord[], seq: number): { startsAt: string; venue: string } | undefined {
  let conference: { startsAt: string; venue: string } | undefined;
  for (const h of history) {
    if (h.seq > seq) break;
    if (h.type !== 'SCHEDULE_CONFERENCE' && h.type !== 'RESCHEDULE_CONFERENCE') continue;
    const { startsAt, venue } = h.data as { startsAt: string; venue?: string };
    conference = { startsAt, venue: venue ?? conference?.venue ?? '' };
  }
  return conference;
}

const listOfNames = (names: string[]) => (names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);
