import { describe, expect, it } from 'vitest';
import { newCase, victim, visibleText, withMailApp } from './support/mailApp.js';

/**
 * A supervisor corrects a party's contact details (UK GDPR Article 16): the
 * referral changes in the event's own transaction, email goes to the corrected
 * address, and what an earlier correction recorded is erased, the history
 * saying so. Over real HTTP and SMTP.
 */
describe("correcting a party's contact details", () => {
  const env = withMailApp();
  const corrected = { name: 'Vera Vickers', email: 'vera.vickers@example.org', phone: '01234 000111' };

  it('replaces the referral’s details, and the email queued before and the email after both go to the new address', async () => {
    const { app, staff, sink } = env;
    const c = await newCase(app, staff);
    await c.ok(staff.facilitator.token, { type: 'INVITE_VICTIM' });
    const before = await c.get(staff.supervisor.token);

    const after = await c.ok(staff.supervisor.token, { type: 'CORRECT_PARTY_DETAILS', party: 'victim', ...corrected, reason: 'She married and moved' });
    expect(after).toMatchObject({ state: before.state, referral: { victim: corrected, offender: before.referral.offender } });
    expect(after.version).toBe(before.version + 1);

    const start = sink.received.length;
    await app.services.outbox.deliverDue();
    const invitation = sink.received.slice(start).find((m) => m.envelopeTo.includes(corrected.email));
    expect(invitation, 'the invitation queued before the correction').toBeDefined();
    expect(visibleText(invitation!)).toContain('Vera Vickers');
    expect(sink.received.slice(start).some((m) => m.envelopeTo.includes(victim.email))).toBe(false);

    // An email or phone left out is none on record: the next email to her cannot be sent, and says why.
    await c.ok(staff.supervisor.token, { type: 'CORRECT_PARTY_DETAILS', party: 'victim', name: 'Vera Vickers', reason: 'She closed that mailbox' });
    expect((await c.get(staff.supervisor.token)).referral.victim).toEqual({ name: 'Vera Vickers' });
    await c.ok(staff.facilitator.token, { type: 'VICTIM_RESPONDED', response: 'more_info' });
    const thanks = (await app.services.store.notices(c.id)).filter((n) => n.template === 'thank_you');
    expect(thanks).toMatchObject([{ recipient: 'victim', status: 'failed', lastError: expect.stringContaining('No email address on record') }]);
    expect((await c.get(staff.facilitator.token)).tasks).toMatchObject([{ text: 'The thank you email to the victim could not be delivered. Contact them another way.' }]);
  });

  it("erases the content of that party's earlier corrections, reason 'rectified', and keeps the chain whole; the other party's stay", async () => {
    const { app, staff } = env;
    const s = staff.supervisor.token;
    const c = await newCase(app, staff);
    await c.ok(s, { type: 'CORRECT_PARTY_DETAILS', party: 'victim', name: 'Vera Vicars', email: 'vera.vicars@example.org', reason: 'Misspelt' });
    await c.ok(s, { type: 'CORRECT_PARTY_DETAILS', party: 'offender', name: 'Oscar Offender', email: 'oscar.new@example.net', reason: 'New address' });
    await c.ok(s, { type: 'CORRECT_PARTY_DETAILS', party: 'victim', ...corrected, reason: 'Misspelt again' });

    const corrections = (await c.history(s)).events.filter((e) => e.type === 'CORRECT_PARTY_DETAILS') as { data: unknown; erased?: unknown; at: string }[];
    expect(corrections.map(({ data, erased }) => ({ data, erased }))).toEqual([
      { data: { party: 'victim' }, erased: { at: corrections[2]!.at, reason: 'rectified' } },
      { data: { party: 'offender', name: 'Oscar Offender', email: 'oscar.new@example.net', reason: 'New address' }, erased: undefined },
      { data: { party: 'victim', ...corrected, reason: 'Misspelt again' }, erased: undefined },
    ]);
    expect(JSON.stringify(await c.history(s))).not.toContain('vicars');
    const verified = await app.request('GET', '/api/audit/verify', { token: s });
    expect(verified.body).toMatchObject({ ok: true });
  });

  it("is refused to a facilitator (403), with who may, and once the case is closed (409), with the chart's reason", async () => {
    const { app, staff } = env;
    const c = await newCase(app, staff);
    const body = { type: 'CORRECT_PARTY_DETAILS', party: 'victim', ...corrected, reason: 'Moved' };
    const refused = await c.refused(staff.facilitator.token, body, 403);
    expect(refused.reasons).toEqual([{ rule: 'role', message: "Only a supervisor can correct a party's contact details." }]);
    expect(refused.allowedEvents).not.toContain('CORRECT_PARTY_DETAILS');
    expect((await c.get(staff.supervisor.token)).referral.victim).toEqual(victim);

    await c.ok(staff.facilitator.token, { type: 'REQUEST_CLOSURE', reason: 'unsuitable' });
    await c.ok(staff.supervisor.token, { type: 'APPROVE_CLOSURE' });
    const closed = await c.refused(staff.supervisor.token, body, 409);
    expect(closed.reasons).toEqual([
      { rule: 'notInThisState', message: expect.stringContaining(`"Correct a party's contact details" is possible only`) },
    ]);
    // Details must follow the referral's own rules.
    const bad = await c.refused(staff.supervisor.token, { ...body, email: 'vera at example', phone: 'call me' }, 422);
    expect(bad.issues.map((i: { path: string }) => i.path).sort()).toEqual(['email', 'phone']);
  });
});
