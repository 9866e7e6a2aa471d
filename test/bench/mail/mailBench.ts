import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Sizes } from '../options.js';
import { firstLine, spawnTsx, stopProcess } from '../processes.js';
import { figure, type SectionResult } from '../report.js';
import { perSecond, round, timed } from '../stats.js';
import { noticeMessages } from './noticeMessages.js';

const smtpSink = join(import.meta.dirname, 'smtpSink.ts');

/**
 * Section 4: notices delivered to a loopback SMTP server. The outbox sender
 * is issue 3 and not built yet, so only the baseline is measured: nodemailer
 * sending the same messages directly over its default pool (5 connections).
 */
export async function mailBench(sizes: Sizes['mail']): Promise<SectionResult> {
  const sink = spawnTsx(smtpSink);
  try {
    const { port } = JSON.parse(await firstLine(sink)) as { port: number };
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true });
    try {
      const send = (count: number) => Promise.all(noticeMessages(count).map((m) => transport.sendMail(m)));
      await send(Math.min(50, sizes.notices));
      const sent = await timed(() => send(sizes.notices));
      const delivered = sent.value.filter((info) => info.accepted.length === 1).length;
      if (delivered !== sizes.notices) throw new Error(`only ${delivered} of ${sizes.notices} messages were accepted`);
      const direct = perSecond(delivered, sent.ms);
      return {
        figures: [
          figure({
            name: `outbox notices/s, ${sizes.notices.toLocaleString('en-GB')} to loopback SMTP`,
            value: null,
            baseline: direct,
            unit: '/s',
            note: 'n/a: outbox sender not built',
          }),
        ],
        details: { sizes, deliveredMs: round(sent.ms), transport: 'nodemailer pool, 5 connections, 100 messages each' },
      };
    } finally {
      transport.close();
    }
  } finally {
    await stopProcess(sink);
  }
}
