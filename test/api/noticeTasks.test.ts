import { describe, expect, it } from 'vitest';
import { openCase, sampleReferral, withApp } from '../support/harness.js';
import { caseClient } from './apiSteps.js';

describe('a party who cannot be emailed', () => {
  const env = withApp();

  it('turns their notice into a failed notice, a task on the case and an undeliverable notice to the facilitators', async () => {
    const { app, staff } = env;
    const id = await openCase(app, staff, sampleReferral({ victim: { name: 'Vera Victim', phone: '01234 567890' } }));
    const c = caseClient(app, id);

    expect((await c.get(staff.facilitator.token)).tasks).toEqual([]);
    await c.ok(staff.facilitator.token, { type: 'INVITE_VICTIM' });

    const { notices } = await c.history(staff.facilitator.token);
    const invitation = notices.find((n) => n.template === 'victim_invitation')!;
    expect(invitation).toMatchObject({ to: 'victim', status: 'failed', attempts: 0 });
    expect(notices.find((n) => n.template === 'notice_undeliverable')).toMatchObject({ to: 'facilitators', status: 'queued' });

    const { tasks } = await c.get(staff.facilitator.token);
    expect(tasks).toEqual([
      expect.objectContaining({ kind: 'notice_undeliverable', noticeId: invitation.id, template: 'victim_invitation', to: 'victim' }),
    ]);
    expect(tasks[0].text).toMatch(/victim invitation email to the victim could not be delivered/);
  });

  it('gives no link to a party notice that was never sent', async () => {
    const { app, staff } = env;
    const id = await openCase(app, staff, sampleReferral({ victim: { name: 'Vera Victim' } }));
    await caseClient(app, id).ok(staff.facilitator.token, { type: 'INVITE_VICTIM' });
    const notices = await app.services.store.notices(id);
    const links = await Promise.all(notices.map((n) => app.services.store.linksForNotice(n.id)));
    expect(links.flat()).toEqual([]);
  });
});
