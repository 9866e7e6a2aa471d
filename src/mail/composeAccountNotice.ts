import type { SendMailOptions } from 'nodemailer';
import type { Config } from '../config.js';
import { londonDateTime } from '../calendar/londonTime.js';
import type { LinkTokens } from '../links/linkTokens.js';
import type { AccountNotice } from '../store/mailQueue.js';
import type { Store } from '../store/store.js';
import { Undeliverable } from './deliveryPolicy.js';
import { accountTemplates, renderAccountNotice, type AccountTemplate } from './renderNotice.js';

/**
 * Writes an account notice at send time. A set-up link's token is derived again
 * from the link's id (as party links are), so the database never holds it.
 */
export function createAccountComposer({ store, linkTokens, config }: { store: Pick<Store, 'userById' | 'setupLinkByHash'>; linkTokens: LinkTokens; config: Config }) {
  const host = new URL(config.baseUrl).hostname;
  return async (notice: AccountNotice): Promise<SendMailOptions> => {
    if (!(accountTemplates as readonly string[]).includes(notice.template)) throw new Undeliverable(`Unknown account template "${notice.template}".`);
    const user = await store.userById(notice.userId);
    if (!user || user.disabledAt) throw new Undeliverable('This user is no longer active.');
    const data: Record<string, unknown> = { ...notice.data };
    if (notice.template === 'account_setup') {
      const token = linkTokens.tokenFor(`setup:${String(notice.data.linkId)}`);
      const link = await store.setupLinkByHash(linkTokens.hash(token));
      if (!link) throw new Undeliverable('The set-up link is no longer there.');
      Object.assign(data, { setupUrl: `${config.baseUrl}/account/set-up/${token}`, expires: londonDateTime(link.expiresAt) });
    }
    if (notice.template === 'access_alert') data.adminUrl = `${config.baseUrl}/admin/access-failures`;
    const rendered = renderAccountNotice(notice.template as AccountTemplate, { service: config.service, recipient: { name: user.name }, data });
    return {
      messageId: `<account-notice-${notice.id}@${host}>`,
      from: config.mailFrom,
      to: { name: user.name, address: user.email },
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      headers: { 'Auto-Submitted': 'auto-generated' },
    };
  };
}
