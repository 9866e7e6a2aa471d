import nodemailer, { type SendMailOptions, type Transport } from 'nodemailer';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../cases/caseEngine.js';
import type { Config } from '../config.js';
import { captureId, saveCapturedMail } from './mailCapture.js';

/** What the outbox needs of a transport: nodemailer's Transporter satisfies it. */
export interface MailTransport {
  sendMail(message: SendMailOptions): Promise<unknown>;
  close(): void;
}

/** Connections kept open to the SMTP server; the outbox sends this many notices at a time. */
export const smtpConnections = 4;

/**
 * With SMTP_URL, a pooled SMTP transport. Without it, a capture transport that
 * writes each message into MAIL_DIR for reading locally.
 */
export function createMailTransport(config: Pick<Config, 'smtpUrl' | 'smtpTimeoutMs' | 'mailDir'>, clock: Clock): MailTransport {
  if (!config.smtpUrl) return nodemailer.createTransport(captureTransport(config.mailDir, clock));
  return nodemailer.createTransport({
    url: config.smtpUrl,
    pool: true,
    maxConnections: smtpConnections,
    // The outbox owns retries: a message the pool re-sent by itself after a dropped connection could arrive twice.
    maxRequeues: 0,
    connectionTimeout: config.smtpTimeoutMs,
    greetingTimeout: config.smtpTimeoutMs,
    socketTimeout: config.smtpTimeoutMs,
  });
}

type Captured = { messageId: string };

function captureTransport(dir: string, clock: Clock): Transport<Captured> {
  return {
    name: 'capture',
    version: '1',
    send(mail, callback) {
      try {
        const d = mail.data;
        const messageId = d.messageId ?? mail.message.messageId();
        const noticeId = /^<notice-([A-Za-z0-9-]+)@/.exec(messageId)?.[1] ?? randomUUID();
        const at = clock();
        const ical = typeof d.icalEvent === 'object' && !Buffer.isBuffer(d.icalEvent) && 'content' in d.icalEvent ? d.icalEvent : undefined;
        saveCapturedMail(dir, {
          id: captureId(at, noticeId),
          messageId,
          from: addressText(d.from),
          to: addressText(d.to),
          subject: d.subject ?? '',
          date: at.toISOString(),
          text: contentText(d.text),
          html: contentText(d.html),
          attachments: ical
            ? [{ filename: ical.filename || 'invite.ics', contentType: `text/calendar; method=${ical.method ?? 'PUBLISH'}`, content: contentText(ical.content) }]
            : [],
        });
        callback(null, { messageId });
      } catch (err) {
        callback(err as Error);
      }
    },
  };
}

const contentText = (value: unknown): string => (typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : '');

function addressText(value: unknown): string {
  if (Array.isArray(value)) return value.map(addressText).join(', ');
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'address' in value) {
    const { name, address } = value as { name?: string; address: string };
    return name ? `${name} <${address}>` : address;
  }
  return '';
}
