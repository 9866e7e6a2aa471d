import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createServices, type Services } from '../../src/services.js';
import { smtpConnections } from '../../src/mail/transport.js';
import { startSmtpSink, type SmtpSink } from '../mail/support/smtpSink.js';
import { startAppProcess, type AppProcess } from '../support/appProcess.js';
import { sampleReferral, tempDir, testDefaults, testPasswordCost } from '../support/harness.js';
import { freshPgDatabase, sharedSecrets } from '../support/pgDatabase.js';

/**
 * Three app processes on one PostgreSQL database, SIGKILLed and started again one after another while clients
 * send events to them and they send 500 notices. Every event acknowledged is in its case's history after; every
 * notice is delivered, with its fixed Message-ID, and the only duplicates are notices in flight at a kill
 * (ADR 0011: the SMTP server took it, the outcome was not yet recorded). A killed instance's claims pass to the
 * others when its lease runs out (CLAIM_LEASE, short here).
 */
describe('three app processes sending mail, SIGKILLed and restarted', () => {
  const tmp = tempDir();
  const host = 'rj.test.example';
  let db: Awaited<ReturnType<typeof freshPgDatabase>>;
  let sink: SmtpSink;
  let seeded: Services;
  const cases = 250;
  let env: Record<string, string>;
  const caseIds: string[] = [];
  let token: string;

  beforeAll(async () => {
    db = await freshPgDatabase();
    sink = await startSmtpSink();
    env = { ...sharedSecrets, DATABASE_URL: db.url, SMTP_URL: sink.url, SMTP_TIMEOUT_MS: '5000', BASE_URL: `https://${host}`, MAIL_INTERVAL_MS: '50', CLAIM_LEASE: 'PT6S' };
    // The cases are made in this process, with its outbox left stopped: the notices wait for the processes.
    seeded = await createServices(loadConfig({ ...testDefaults({}), DATABASE_PATH: `${tmp.dir}/seed.sqlite`, LOG_LEVEL: 'silent', ...env }), { passwordCost: testPasswordCost });
    const add = async (role: 'supervisor' | 'facilitator') => {
      const added = await seeded.users.addUser({ email: `${role}@rj.test`, name: role, role, trainedFor: [], password: 'correct horse battery staple' });
      if (!added.ok) throw new Error(JSON.stringify(added.issues));
      return { kind: 'user' as const, id: added.user.id, role };
    };
    const supervisor = await add('supervisor');
    const facilitator = await add('facilitator');
    token = await seeded.users.createToken(facilitator.id, { label: 'test', expiresAfter: 'P10Y' });
    await Promise.all(
      Array.from({ length: cases }, async () => {
        const created = await seeded.engine.createCase(sampleReferral(), supervisor);
        if (created.kind !== 'ok') throw new Error(JSON.stringify(created));
        caseIds.push(created.value.id);
        for (const body of [{ type: 'ACCEPT_REFERRAL', facilitatorIds: [facilitator.id] }, { type: 'INVITE_VICTIM' }]) {
          const done = await seeded.engine.submit({ caseId: created.value.id, caller: body.type === 'INVITE_VICTIM' ? facilitator : supervisor, body });
          if (done.kind !== 'ok') throw new Error(JSON.stringify(done));
        }
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await seeded?.store.close();
    await sink?.close();
    await db?.drop();
    tmp.remove();
  });

  const waiting = async () => (await seeded.store.noticesWaitingSince('9999-01-01T00:00:00.000Z'));

  it('keeps every event acknowledged and delivers every one of 500 notices, each with its own Message-ID, duplicating only what was in flight at a kill', async () => {
    expect(await waiting()).toBe(2 * cases);
    const start = () => startAppProcess(`${tmp.dir}/instance.sqlite`, env);
    const instances: AppProcess[] = await Promise.all([start(), start(), start()]);
    // Four clients send notes to the instances in turn; a request cut by a kill is unknown, not acknowledged.
    const acked: { caseId: string; text: string }[] = [];
    let loading = true;
    const client = async (w: number) => {
      for (let i = 0; loading; i++) {
        const caseId = caseIds[(w * 61 + i) % caseIds.length]!;
        const text = `client ${w}, note ${i}`;
        try {
          const res = await fetch(`${instances[(w + i) % 3]!.baseUrl}/api/cases/${caseId}/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ type: 'ADD_NOTE', text }),
          });
          await res.arrayBuffer();
          if (res.status === 200) acked.push({ caseId, text });
        } catch {
          // The instance was killed with the request in flight, or is not yet up again.
        }
      }
    };
    const clients = Array.from({ length: 4 }, (_, w) => client(w));
    let kills = 0;
    const restarts: Promise<void>[] = [];
    try {
      // Each instance in turn is killed while mail is flowing, and started again without waiting for it.
      for (let target = 0; target < 3; target++) {
        await sink.untilReceived(sink.received.length + 15);
        instances[target]!.child.kill('SIGKILL');
        await instances[target]!.exited;
        kills++;
        restarts.push(start().then((p) => void (instances[target] = p)));
      }
      await Promise.all(restarts);
      // Whatever the killed instances had claimed is sent by the others once its lease runs out.
      while ((await waiting()) > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      loading = false;
      await Promise.all(clients);
      await Promise.allSettled(restarts);
      for (const p of instances) {
        p.child.kill('SIGTERM');
        await p.exited;
      }
    }
    expect(acked.length).toBeGreaterThan(0);
    const notes = new Set<string>();
    for (const id of new Set(acked.map((a) => a.caseId)))
      for (const h of await seeded.store.history(id)) if (h.type === 'ADD_NOTE') notes.add(`${id} ${String(h.data.text)}`);
    expect(acked.filter((a) => !notes.has(`${a.caseId} ${a.text}`))).toEqual([]);
    expect(await seeded.store.verifyChain()).toMatchObject({ ok: true });

    const ids = sink.received.map((m) => m.messageId);
    const distinct = new Set(ids);
    expect(distinct.size).toBe(2 * cases);
    for (const id of distinct) expect(id).toMatch(new RegExp(`^<notice-[0-9a-f-]{36}@${host.replace(/\./g, '\\.')}>$`));
    const duplicates = ids.length - distinct.size;
    expect(kills).toBe(3);
    expect(duplicates).toBeLessThanOrEqual(kills * smtpConnections);
  }, 180_000);
});
