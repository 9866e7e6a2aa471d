import { load } from 'cheerio';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { noticeTemplates, staffTemplates, type NoticeModel, type NoticeTemplate, type RecipientKind } from '../../src/mail/noticeModel.js';
import { EmailError, renderNotice } from '../../src/mail/renderNotice.js';

const service = { name: 'Northshire Restorative Justice Service', phone: '0300 123 4567', email: 'rj@northshire.example' };
const names: Record<RecipientKind, string> = {
  victim: 'Vera Victim',
  offender: 'Oscar Offender',
  supporter: 'Sam Supporter',
  facilitator: 'Fay Facilitator',
  supervisor: 'Sue Supervisor',
};
const item = { action: 'Write a letter of apology', dueDate: 'Tuesday 15 December 2026' };
const links = {
  respond: 'https://rj.example/respond/invitation-token',
  withdraw: 'https://rj.example/respond/withdrawal-token',
  feedback: 'https://rj.example/respond/feedback-token',
};

/** What the statechart puts in each notice's data (see machines/case/machine.v1.ts), with dates formatted. */
const realisticData: Record<NoticeTemplate, Record<string, unknown>> = {
  victim_invitation: {},
  invitation_reminder: {},
  thank_you: { response: 'not_now', reofferAfter: 'Monday 1 March 2027' },
  conference_invitation: { startsAt: 'Tuesday 1 December 2026 at 10am', venue: 'Northshire Community Centre' },
  conference_rescheduled: { startsAt: 'Thursday 3 December 2026 at 2:30pm', venue: 'Northshire Community Centre' },
  conference_cancelled: {},
  agreement_item_completed: { itemId: 'item-1', item },
  agreement_item_missed: { itemId: 'item-1', item },
  feedback_request: { atClosure: true },
  withdrawal_confirmation: {},
  allocation: {},
  party_responded: { party: 'victim', response: 'yes' },
  reoffer_due: {},
  approval_requested: { kind: 'closure', reason: 'agreement_fulfilled' },
  approval_decision: { kind: 'risk', approved: false, decision: 'indirect_only' },
  item_overdue: { itemId: 'item-1', item },
  notice_undeliverable: {
    noticeId: 'notice-1',
    template: 'victim_invitation',
    to: 'victim',
    lastError: 'No email address on record: contact this person another way.',
  },
};

const conferenceTemplates = new Set<NoticeTemplate>(['conference_invitation', 'conference_rescheduled', 'conference_cancelled']);
const partyTemplates = noticeTemplates.filter((t) => !staffTemplates.has(t));

function kindsFor(template: NoticeTemplate): RecipientKind[] {
  if (staffTemplates.has(template)) return ['facilitator', 'supervisor'];
  return conferenceTemplates.has(template) ? ['victim', 'offender', 'supporter', 'facilitator'] : ['victim', 'offender', 'supporter'];
}

/** The links src/cases/effects.ts issues with a party's notice while the case is open. */
function linksFor(template: NoticeTemplate, kind: RecipientKind): NoticeModel['links'] {
  if (kind !== 'victim' && kind !== 'offender') return {};
  if (template === 'victim_invitation' || template === 'invitation_reminder') return { respond: links.respond };
  if (template === 'withdrawal_confirmation') return {};
  if (template === 'feedback_request') return { feedback: links.feedback, withdraw: links.withdraw };
  return { withdraw: links.withdraw };
}

/** composeNotice gives every model the case page's address; only staff emails may show it. */
const caseUrl = 'https://rj.example/cases/0b6f3c9e-case-42';

/** composeNotice words each link's expiry as the London date it stops working. */
const linkExpiry = { respond: 'Monday 14 December 2026', withdraw: 'Monday 14 December 2026', feedback: 'Monday 14 December 2026' };

function modelFor(template: NoticeTemplate, kind: RecipientKind, overrides: Partial<NoticeModel> = {}): NoticeModel {
  const carried = linksFor(template, kind);
  return {
    service,
    recipient: { kind, name: names[kind] },
    caseReference: 'RJ-2026-000042',
    caseUrl,
    links: carried,
    linkExpiry: Object.fromEntries(Object.keys(carried).map((key) => [key, linkExpiry[key as keyof typeof linkExpiry]])),
    data: realisticData[template],
    ...overrides,
  };
}

const isStaffKind = (kind: RecipientKind) => kind === 'facilitator' || kind === 'supervisor';

const hrefs = (html: string) =>
  load(html)('a')
    .map((_, a) => a.attribs.href)
    .get();
const bodyText = (html: string) => load(html)('body').text();
const htmlTag = /<\/?[a-z][a-z0-9]*(\s[^>]*)?>/i;

const everyCase = noticeTemplates.flatMap((template) => kindsFor(template).map((kind) => [template, kind] as const));

describe('renderNotice', () => {
  it.each(everyCase)('renders %s for a %s', (template, kind) => {
    const model = modelFor(template, kind);
    const { subject, html, text } = renderNotice(template, model);

    expect(subject).toMatch(/^\S(.*\S)?$/);
    expect(subject).not.toMatch(/[\r\n]/);

    const page = bodyText(html);
    expect(page).toContain(`Dear ${names[kind]},`);
    for (const part of [page, text]) {
      expect(part).toContain(service.name);
      expect(part).toContain(`Case reference: ${model.caseReference}`);
    }
    expect(load(html)('html').attr('lang')).toBe('en');

    expect(text).not.toMatch(htmlTag);
    expect(text).toContain(`Dear ${names[kind]},`);
    for (const url of Object.values(model.links)) {
      expect(text).toContain(url);
      expect(hrefs(html)).toContain(url);
    }
  });

  it('gives the parties the service\'s contact details, and staff only the case reference', () => {
    for (const [template, kind] of everyCase) {
      const { html, text } = renderNotice(template, modelFor(template, kind));
      const footer = [`Contact ${service.name}:`, `Phone: ${service.phone}`, `Email: ${service.email}`];
      const mailto = hrefs(html).includes(`mailto:${service.email}`);
      if (isStaffKind(kind)) {
        for (const part of [bodyText(html), text]) for (const line of [...footer, service.phone]) expect(part, `${template} to a ${kind}`).not.toContain(line);
        expect(mailto, `${template} to a ${kind}`).toBe(false);
      } else {
        for (const line of footer) expect(text, `${template} to a ${kind}`).toContain(line);
        expect(bodyText(html)).toContain(`Contact ${service.name}:Phone: ${service.phone}Email: ${service.email}`);
        expect(mailto, `${template} to a ${kind}`).toBe(true);
      }
    }
  });

  it('links every email to staff to the case page, in both parts, and no party email', () => {
    for (const [template, kind] of everyCase) {
      const { html, text } = renderNotice(template, modelFor(template, kind));
      const said = `${template} to a ${kind}`;
      if (isStaffKind(kind)) {
        expect(hrefs(html), said).toContain(caseUrl);
        expect(bodyText(html), said).toContain(`Open the case: ${caseUrl}`);
        expect(text, said).toContain(`\n\nOpen the case: ${caseUrl}\n`);
      } else {
        for (const part of [html, text]) {
          expect(part, said).not.toContain(caseUrl);
          expect(part, said).not.toContain('/cases/');
          expect(part, said).not.toContain('Open the case:');
        }
      }
    }
    // Without the address (a model built by hand) a staff email still renders, just without the link.
    const { html, text } = renderNotice('allocation', modelFor('allocation', 'facilitator', { caseUrl: undefined }));
    expect(hrefs(html)).toEqual([]);
    expect(text).not.toContain('Open the case:');
  });

  it('tells the party the date each link in the email stops working', () => {
    const expiry = (template: NoticeTemplate, model: NoticeModel) => {
      const { html, text } = renderNotice(template, model);
      const sentences = (part: string) => part.split(/(?<=\.)\s+|\n+/).filter((s) => s.includes('stop working'));
      return { html: sentences(bodyText(html)), text: sentences(text) };
    };
    const dated = (key: keyof typeof links) => ({ ...linkExpiry, [key]: `${key}-day` });
    const main = { victim_invitation: 'respond', invitation_reminder: 'respond', feedback_request: 'feedback' } as const;
    for (const kind of ['victim', 'offender'] as const) {
      for (const [template, key] of Object.entries(main) as [NoticeTemplate, keyof typeof links][]) {
        const said = expiry(template, modelFor(template, kind, { linkExpiry: dated(key) }));
        expect(said.text, template).toContain(`This link will stop working on ${key}-day.`);
        expect(said.html, template).toContain(`This link will stop working on ${key}-day.`);
      }
      // Every other party email with a link carries the withdrawal link, and says when it stops.
      for (const template of partyTemplates.filter((t) => linksFor(t, kind).withdraw)) {
        const said = expiry(template, modelFor(template, kind, { linkExpiry: dated('withdraw') }));
        const sentence = 'This withdrawal link will stop working on withdraw-day.';
        expect(said.text, template).toContain(sentence);
        expect(said.html, template).toContain(sentence);
      }
    }
    // A model without the dates still reads well, and a supporter (no links) is told nothing about links.
    const undated = expiry('victim_invitation', modelFor('victim_invitation', 'victim', { linkExpiry: {} }));
    expect(undated.text).toEqual(['This link will stop working after a while.']);
    for (const template of partyTemplates) {
      expect(expiry(template, modelFor(template, 'supporter', { links, linkExpiry })).text, template).toEqual([]);
    }
    expect(expiry('withdrawal_confirmation', modelFor('withdrawal_confirmation', 'victim')).text).toEqual([]);
  });

  it('shows each link only when the notice carries it, and never to a supporter', () => {
    const shows = (template: NoticeTemplate): (keyof typeof links)[] =>
      template === 'victim_invitation' || template === 'invitation_reminder'
        ? ['respond', 'withdraw']
        : template === 'feedback_request'
          ? ['feedback', 'withdraw']
          : ['withdraw'];
    for (const template of partyTemplates) {
      const withAll = renderNotice(template, modelFor(template, 'victim', { links }));
      const expected = shows(template).map((key) => links[key]);
      expect(hrefs(withAll.html).filter((h) => !h.startsWith('mailto:')).sort()).toEqual([...expected].sort());
      for (const url of expected) expect(withAll.text).toContain(url);

      for (const kind of ['victim', 'supporter'] as const) {
        const none = renderNotice(template, modelFor(template, kind, { links: kind === 'supporter' ? links : {} }));
        expect(hrefs(none.html)).toEqual([`mailto:${service.email}`]);
        expect(none.text).not.toMatch(/https?:/);
        expect(none.text).not.toContain('withdraw:');
      }
    }
    const withdraw = renderNotice('thank_you', modelFor('thank_you', 'offender'));
    expect(bodyText(withdraw.html)).toContain('If you no longer want to take part, you can withdraw from restorative justice. You will be asked to confirm.');
    expect(withdraw.text).toContain(`If you no longer want to take part, you can withdraw: ${links.withdraw}\nYou will be asked to confirm.`);
  });

  it('escapes a hostile value everywhere it appears in the HTML', () => {
    const hostile = '<script>alert("x")</script>';
    const model = modelFor('conference_invitation', 'victim', {
      recipient: { kind: 'victim', name: hostile },
      data: { startsAt: hostile, venue: `<img src=x onerror=alert(1)>` },
    });
    const { html, subject } = renderNotice('conference_invitation', model);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(load(html)('title').text()).toBe(subject);
    expect(bodyText(html)).toContain(`Dear ${hostile},`);
  });

  it('keeps user values from adding markup or escaping their place (property)', () => {
    const shape = (html: string) => {
      const $ = load(html);
      return $('*')
        .map((_, el) => `${$(el).prop('tagName')}[${Object.keys($(el).attr() ?? {}).join(',')}]`)
        .get()
        .join(' ');
    };
    const withValues = (template: NoticeTemplate, v: Record<'name' | 'startsAt' | 'venue' | 'action' | 'due' | 'reference', string>) =>
      renderNotice(
        template,
        modelFor(template, kindsFor(template)[0]!, {
          recipient: { kind: kindsFor(template)[0]!, name: v.name },
          caseReference: v.reference,
          data: {
            ...realisticData[template],
            startsAt: v.startsAt,
            venue: v.venue,
            reofferAfter: v.due,
            item: { action: v.action, dueDate: v.due },
          },
        }),
      );
    const plain = { name: 'n', startsAt: 's', venue: 'v', action: 'a', due: 'd', reference: 'r' };
    const expectedShape = new Map(noticeTemplates.map((t) => [t, shape(withValues(t, plain).html)]));
    const risky = fc
      .tuple(fc.string({ unit: 'grapheme' }), fc.constantFrom('<', '>', '&', '"', "'", '</p>', '<a href="x">', '{{x}}', '\n'), fc.string({ unit: 'grapheme' }))
      .map(([a, special, b]) => `${a}${special}${b}`)
      .filter((s) => s.trim() !== '');

    fc.assert(
      fc.property(fc.record({ name: risky, startsAt: risky, venue: risky, action: risky, due: risky, reference: risky }), (v) => {
        const seen: string[] = [];
        for (const template of noticeTemplates) {
          const { subject, html } = withValues(template, v);
          expect(shape(html)).toBe(expectedShape.get(template));
          expect(subject).not.toMatch(/[\r\n]/);
          const text = bodyText(html);
          expect(text).toContain(v.name);
          seen.push(text);
        }
        const all = seen.join('\n');
        for (const value of Object.values(v)) expect(all).toContain(value);
      }),
      { numRuns: 100 },
    );
  });

  it('shows parties no field beyond what their notice is about', () => {
    const shownToParties = ['response', 'reofferAfter', 'startsAt', 'venue', 'item', 'atClosure'];
    const shownToStaff = ['party', 'response', 'kind', 'reason', 'approved', 'decision', 'item', 'template', 'to', 'lastError', 'startsAt', 'venue'];
    const planted = (data: Record<string, unknown>, shown: string[]) => ({
      ...Object.fromEntries(Object.keys(data).map((key) => [key, shown.includes(key) ? data[key] : `PLANTED-${key}`])),
      otherPartyName: 'PLANTED-other-party',
      otherPartyEmail: 'planted@other.example',
      crimeReference: 'PLANTED-crime-reference',
      offence: { description: 'PLANTED-offence' },
      ...(data.item ? { item: { ...item, owner: 'PLANTED-owner', id: 'PLANTED-item-id' } } : {}),
    });
    for (const [template, kind] of everyCase) {
      const staff = kind === 'facilitator' || kind === 'supervisor';
      const data = planted(realisticData[template], staff ? shownToStaff : shownToParties);
      const { subject, html, text } = renderNotice(template, modelFor(template, kind, { data }));
      for (const part of [subject, html, text]) {
        expect(part).not.toContain('PLANTED');
        expect(part).not.toContain('other.example');
        for (const [other, name] of Object.entries(names)) if (other !== kind) expect(part).not.toContain(name);
      }
    }
  });

  it('tells a victim what happens next for each answer', () => {
    const thanks = (data: Record<string, unknown>) => renderNotice('thank_you', modelFor('thank_you', 'victim', { data })).text;
    expect(thanks({ response: 'yes' })).toContain('A facilitator will contact you soon. They will explain what happens next');
    expect(thanks({ response: 'more_info' })).toContain('You do not have to decide anything until you are ready.');
    expect(thanks({ response: 'not_now', reofferAfter: 'Monday 1 March 2027' })).toContain('until after Monday 1 March 2027.');
    expect(thanks({ response: 'not_now' })).toContain('We will get in touch again later');
  });

  it('gives staff a distinct next step for every party response', () => {
    const responses = ['yes', 'more_info', 'not_now', 'no', 'withdrew', 'no_response', 'willing', 'declined', 'denies_responsibility', 'unreachable'];
    const lines = responses.map((response) => {
      const party = ['willing', 'declined', 'denies_responsibility', 'unreachable'].includes(response) ? 'offender' : 'victim';
      const { text, subject } = renderNotice('party_responded', modelFor('party_responded', 'facilitator', { data: { party, response } }));
      expect(subject).toBe(`Case RJ-2026-000042: ${party} response recorded`);
      expect(text).not.toContain('Open the case to see the response.');
      return text.split('\n\n')[3];
    });
    expect(new Set(lines).size).toBe(responses.length);
    const offenderWithdrew = renderNotice('party_responded', modelFor('party_responded', 'facilitator', { data: { party: 'offender', response: 'withdrew' } }));
    expect(offenderWithdrew.text).toContain('The offender has withdrawn from restorative justice. Do not contact them');
  });

  it('words each approval request and decision for what was decided', () => {
    const render = (template: 'approval_requested' | 'approval_decision', data: Record<string, unknown>) =>
      renderNotice(template, modelFor(template, template === 'approval_requested' ? 'supervisor' : 'facilitator', { data }));
    expect(render('approval_requested', { kind: 'risk' }).subject).toBe('Case RJ-2026-000042: risk assessment needs your approval');
    const closure = render('approval_requested', { kind: 'closure', reason: 'victim_withdrew' });
    expect(closure.subject).toBe('Case RJ-2026-000042: closure needs your sign-off');
    expect(closure.text).toContain('Reason for closing: victim withdrew');

    const decisions = [
      [{ kind: 'risk', approved: true, decision: 'approved' }, 'risk assessment approved', 'You can now go on to preparation.'],
      [{ kind: 'risk', approved: false, decision: 'indirect_only' }, 'risk assessment not approved', 'indirect restorative justice only'],
      [{ kind: 'risk', approved: false, decision: 'close' }, 'risk assessment not approved', 'the case has been closed'],
      [{ kind: 'closure', approved: false }, 'closure returned', 'returned case RJ-2026-000042 instead of closing it'],
      [{ kind: 'closure', approved: true }, 'closure signed off', 'The case is now closed.'],
    ] as const;
    for (const [data, subject, sentence] of decisions) {
      const rendered = render('approval_decision', data);
      expect(rendered.subject).toBe(`Case RJ-2026-000042: ${subject}`);
      expect(rendered.text).toContain(sentence);
    }
  });

  it('copes without the agreement item and says which action it was when there is one', () => {
    for (const template of ['agreement_item_completed', 'agreement_item_missed', 'item_overdue'] as const) {
      const kind = template === 'item_overdue' ? 'facilitator' : 'victim';
      const withItem = renderNotice(template, modelFor(template, kind)).text;
      expect(withItem).toContain(item.action);
      expect(withItem).toContain(item.dueDate);
      const without = renderNotice(template, modelFor(template, kind, { data: { itemId: 'item-1' } })).text;
      expect(without).not.toContain('action was:');
      expect(without).not.toContain('The action:');
      expect(without).not.toContain('item-1');
    }
  });

  it('tells the facilitator whom a failed email was for, without the address it failed on', () => {
    const data = { template: 'conference_invitation', to: 'supporter:0b6f', lastError: '550 5.1.1 <vera@example.org>: mailbox unavailable' };
    const { text, html } = renderNotice('notice_undeliverable', modelFor('notice_undeliverable', 'facilitator', { data }));
    expect(text).toContain('We could not send the conference invitation email to a supporter on case RJ-2026-000042.');
    expect(text).toContain('Reason: 550 5.1.1 <[address]>: mailbox unavailable');
    expect(text).toContain('Contact them another way');
    expect(text).toContain('check the email address on the case');
    for (const part of [text, html]) expect(part).not.toContain('vera@example.org');
  });

  it('throws an EmailError for an unknown template or an incomplete model', () => {
    const fails = (template: string, model: unknown) => {
      try {
        renderNotice(template, model as NoticeModel);
      } catch (err) {
        expect(err).toBeInstanceOf(EmailError);
        return (err as EmailError).code;
      }
      throw new Error(`${template} rendered`);
    };
    const good = modelFor('allocation', 'facilitator');
    expect(fails('password_reset', good)).toBe('UNKNOWN_TEMPLATE');
    expect(fails('toString', good)).toBe('UNKNOWN_TEMPLATE');
    expect(fails('allocation', { ...good, service: undefined })).toBe('INVALID_MODEL');
    expect(fails('allocation', { ...good, service: { ...service, phone: '' } })).toBe('INVALID_MODEL');
    expect(fails('allocation', { ...good, recipient: undefined })).toBe('INVALID_MODEL');
    expect(fails('allocation', { ...good, recipient: { kind: 'auditor', name: 'A' } })).toBe('INVALID_MODEL');
    expect(fails('allocation', { ...good, caseReference: ' ' })).toBe('INVALID_MODEL');
    expect(fails('allocation', undefined)).toBe('INVALID_MODEL');
    expect(fails('victim_invitation', { ...modelFor('victim_invitation', 'victim'), links: { respond: 'javascript:alert(1)' } })).toBe('INVALID_MODEL');
    expect(fails('victim_invitation', { ...modelFor('victim_invitation', 'victim'), linkExpiry: { respond: ' ' } })).toBe('INVALID_MODEL');
    expect(fails('allocation', { ...good, caseUrl: 'javascript:alert(1)' })).toBe('INVALID_MODEL');
    expect(fails('allocation', { ...good, caseUrl: '/cases/42' })).toBe('INVALID_MODEL');
    // Staff emails are not written for parties, and a party's invitation is not for staff.
    expect(fails('allocation', modelFor('allocation', 'victim'))).toBe('INVALID_MODEL');
    expect(fails('victim_invitation', modelFor('victim_invitation', 'facilitator'))).toBe('INVALID_MODEL');
    expect(renderNotice('allocation', good).subject).toBe('Case RJ-2026-000042 has been allocated to you');
  });
});
