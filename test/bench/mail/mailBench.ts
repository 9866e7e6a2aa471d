import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { smtpConnections } from '../../../src/mail/transport.js';
import { createServices, type Services } from '../../../src/services.js';
import { accepted, addBenchStaff, callerFor, inParallel, openCases, type BenchStaff } from '../fixtures.js';
import type { Sizes } from '../options.js';
import { firstLine, spawnTsx, stopProcess } from '../processes.js';
import { figure, type SectionResult } from '../report.js';
import { perSecond, round, timed } from '../stats.js';
import { noticeMessages } from './noticeMessages.js';

const smtpSink = join(import.meta.dirname, 'smtpSink.ts');

/** Baseline: nodemailer sending the same rendered notices directly, over as many pooled connections as the outbox uses. */
async function directPerSecond(port: number, count: number): Promise<{ perSecond: number; ms: number }> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: smtpConnections });
  try {
    const send = (n: number) => Promise.all(noticeMessages(n).map((m) => transport.sendMail(m)));
    await send(Math.min(50, count));
    const sent = await timed(() => send(count));
    const delivered = sent.value.filter((info) => info.accepted.length === 1).length;
    if (delivered !== count) throw new Error(`only ${delivered} of ${count} messages were accepted`);
    return { perSecond: perSecond(delivered, sent.ms), ms: sent.ms };
  } finally {
    transport.close();
  }
}

/** Queues `count` notices through the engine: each case gets an allocation (staff) and a victim invitation (with a link). */
async function queueNotices(services: Services, staff: BenchStaff, count: number): Promise<void> {
  const ids = await openCases(services, staff, Math.ceil(count / 2));
  await inParallel(ids.length, 32, async (i) => {
    accepted('invite', await services.engine.submit({ caseId: ids[i]!, body: { type: 'INVITE_VICTIM' }, caller: callerFor(staff.facilitator) }));
  });
}

/**
 * Section 4: notices delivered to a loopback SMTP server (its own process, so
 * receiving does not share the sender's CPU). The outbox does the whole job per
 * notice: read the due rows, compose (case, recipient, links, templates),
 * re-read the status, send over its pool, record the outcome durably.
 */
export async function mailBench(sizes: Sizes['mail'], dir: string): Promise<SectionResult> {
  const sink = spawnTsx(smtpSink);
  try {
    const { port } = JSON.parse(await firstLine(sink)) as { port: number };
    const direct = await directPerSecond(port, sizes.notices);

    const config = loadConfig({ NODE_ENV: 'test', DATABASE_PATH: join(dir, 'mail.sqlite'), LOG_LEVEL: 'silent', SMTP_URL: `smtp://127.0.0.1:${port}` });
    const services = await createServices(config, { logger: createLogger('silent') });
    try {
      const staff = await addBenchStaff(services);
      const warmup = Math.min(50, sizes.notices);
      await queueNotices(services, staff, warmup);
      await services.outbox.deliverDue();
      await queueNotices(services, staff, sizes.notices);
      const delivered = await timed(() => services.outbox.deliverDue());
      const { sent, retried, failed } = delivered.value;
      if (sent !== sizes.notices || retried || failed) throw new Error(`the outbox sent ${sent} of ${sizes.notices} (${retried} retrying, ${failed} failed)`);
      const outbox = perSecond(sent, delivered.ms);
      return {
        figures: [
          figure({
            name: `outbox notices/s, ${sizes.notices.toLocaleString('en-GB')} to loopback SMTP`,
            value: outbox,
            baseline: direct.perSecond,
            unit: '/s',
          }),
        ],
        details: {
          sizes,
          outboxMs: round(delivered.ms),
          directMs: round(direct.ms),
          outbox: 'half allocations to staff, half victim invitations with a link; 4 pooled connections, 4 in flight',
          direct: 'nodemailer pool, 5 connections, 100 messages each, about 1 kB of text',
        },
      };
    } finally {
      await services.outbox.stop();
      services.store.close();
    }
  } finally {
    await stopProcess(sink);
  }
}
