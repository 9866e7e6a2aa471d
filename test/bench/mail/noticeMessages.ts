import { renderNotice } from '../../../src/mail/renderNotice.js';
import type { NoticeModel } from '../../../src/mail/noticeModel.js';

const service = { name: 'Northshire Restorative Justice Service', phone: '0300 123 4567', email: 'rj-service@localhost' };

export interface MailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * `count` messages as the outbox sends them in the bench: rendered from the same templates, alternating a
 * facilitator's allocation and a victim's invitation with its answer link.
 */
export function noticeMessages(count: number): MailMessage[] {
  return Array.from({ length: count }, (_, i) => {
    const caseReference = `RJ-2026-${String(Math.floor(i / 2) + 1).padStart(6, '0')}`;
    const [template, model]: [string, NoticeModel] =
      i % 2 === 0
        ? ['allocation', { service, recipient: { kind: 'facilitator', name: 'Bench facilitator' }, caseReference, links: {}, data: {} }]
        : [
            'victim_invitation',
            {
              service,
              recipient: { kind: 'victim', name: 'Vera Victim' },
              caseReference,
              links: { respond: `http://localhost:3000/respond/${'x'.repeat(43)}` },
              data: {},
            },
          ];
    const { subject, html, text } = renderNotice(template, model);
    return { from: 'RJ Service <rj-service@localhost>', to: `party${i}@example.org`, subject, text, html };
  });
}
