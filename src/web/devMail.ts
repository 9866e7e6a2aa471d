import { Router, type Express } from 'express';
import { londonDateTime } from '../calendar/londonTime.js';
import { listCapturedMail, readCapturedMail } from '../mail/mailCapture.js';
import type { Services } from '../services.js';
import { problemPages, sendHtml, useLayout } from './pages.js';
import { views } from './views.js';

/** Links in a message open in the whole window, not inside the frame that shows it. */
function linksOpenOnTop(html: string): string {
  const base = '<base target="_top">';
  const head = /<head(\s[^>]*)?>/i.exec(html);
  return head ? html.slice(0, head.index + head[0].length) + base + html.slice(head.index + head[0].length) : base + html;
}

/**
 * /dev/mail: the emails the service would have sent, when there is no mail
 * server (no SMTP_URL) and it is not production. A newcomer reads them here
 * and follows their links to play the victim. Anywhere else it does not exist.
 */
export function setUpDevMail(app: Express, services: Services) {
  const { config } = services;
  if (config.production || config.smtpUrl) return;
  const pages = problemPages(config.service, 'dev');
  const router = Router();
  router.use(useLayout('dev'));

  router.get('/', (_req, res) => {
    const messages = listCapturedMail(config.mailDir).map((m) => ({ id: m.id, to: m.to, subject: m.subject, sent: londonDateTime(m.date) }));
    sendHtml(res, 200, views.page('devMailList', { title: 'Emails sent by the service', service: config.service, messages }, 'dev'));
  });

  router.get('/:id', (req, res) => {
    const mail = readCapturedMail(config.mailDir, req.params.id);
    if (!mail) return sendHtml(res, 404, pages.notFound);
    // The email is shown as its recipient sees it, and emails style their elements inline.
    res.set('Content-Security-Policy', res.get('Content-Security-Policy')!.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"));
    sendHtml(
      res,
      200,
      views.page('devMailMessage', {
        title: mail.subject || '(no subject)',
        service: config.service,
        mail,
        sent: londonDateTime(mail.date),
        htmlDocument: linksOpenOnTop(mail.html),
      }, 'dev'),
    );
  });

  app.use('/dev/mail', router);
}
