/**
 * The crash-safety suite: `npm run test:crash` (`tsx test/crash/run.ts`), or `-- --short` in CI.
 *
 * Starts the real app as a process (as `npm start` does) on a temp SQLite database, or with
 * `--store postgres` as several instances (3 unless `--instances N`) on one PostgreSQL database
 * the run starts itself, sending mail to a real SMTP server on loopback that records every
 * Message-ID it accepts and which process sent it; drives cases over HTTP from several clients,
 * spread over the instances; SIGKILLs an instance at random moments (some during start-up) and
 * starts it again on the same database while the clients go on (to the other instances while one
 * is down); then stops every instance cleanly and checks what every acknowledgement, the hash
 * chain, the database and the mail promise. After each kill, before that instance starts again, the
 * database as the kill left it is checked too (SQLite's integrity, and every event acknowledged so
 * far). The seed is printed; give it back (--seed or CRASH_SEED) to replay the same plans and kill
 * schedule (timing still varies).
 */
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, spawnTsx } from '../bench/processes.js';
import { startPostgresServer } from '../support/postgresServer.js';
import { appProcesses, demoStaffFrom, type DemoStaff, type Generation } from './appProcess.js';
import { backlog, finalChecks, historyOf, inspectCrashState, noticeIdOf, type Check, type GenerationEnd, type MailFigures } from './checks.js';
import { startLoad } from './clients.js';
import { postgresCrashDatabase, sqliteCrashDatabase, type CrashDatabase } from './database.js';
import { parseOptions } from './options.js';
import { between, chance, stream } from './random.js';
import { startSmtpRecorder } from './smtpRecorder.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Short delays so reminders, expiries and re-offers fire, and mail flows, between the kills. */
const delays = { INVITATION_REMINDER_AFTER: 'PT3S', INVITATION_EXPIRES_AFTER: 'PT8S', REOFFER_DEFAULT_AFTER: 'PT5S' };
const delaysMs = { invitationReminder: 3000, invitationExpiry: 8000 };

interface KillRecord {
  n: number;
  generation: number;
  slot: number;
  /** Whether the app was answering yet (a start-up kill lands during migrations, summaries or the first sweeps). */
  phase: 'start-up' | 'load';
  aliveMs: number;
  acks: number;
  inFlight: number;
  messages: number;
  unrecorded: number;
  lost: number;
  integrity: string | undefined;
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  process.chdir(root);
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'rj-crash-'));
  const log = createWriteStream(join(dir, 'app.log'));
  const where = options.store === 'postgres' ? `PostgreSQL, ${options.instances} instance${options.instances > 1 ? 's' : ''}` : 'SQLite';
  console.log(`crash: ${options.mode} form on ${where}, ${options.kills} kills, ${options.clients} clients, seed ${options.seed}`);
  const args = process.argv.slice(2).filter((a, i, all) => a !== '--seed' && all[i - 1] !== '--seed');
  console.log(`crash: replay with CRASH_SEED=${options.seed} npm run test:crash${args.length ? ` -- ${args.join(' ')}` : ''}; work dir ${dir}`);

  const checks: Check[] = [];
  const fail = (name: string, detail: string) => checks.push({ name, ok: false, detail });
  const ends = new Map<number, GenerationEnd>();
  const kills: KillRecord[] = [];

  const postgres = options.store === 'postgres' ? await startPostgresServer() : undefined;
  const db: CrashDatabase = postgres ? postgresCrashDatabase(await createDatabase(postgres.url, 'rj_crash')) : sqliteCrashDatabase(join(dir, 'rj.sqlite'));
  const smtp = startSmtpRecorder();
  const ports = await Promise.all(Array.from({ length: options.instances }, () => freePort()));
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  const env = {
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    // One public address for every instance, as behind a load balancer.
    BASE_URL: urls[0]!,
    ...db.env,
    // Far beyond what loopback takes: a timeout would be the README's other duplicate, and none is expected.
    SMTP_TIMEOUT_MS: '20000',
    LINK_SECRET: 'crash-suite-link-secret-0123456789abcdef',
    TOTP_KEY: 'crash-suite-totp-key-0123456789abcdef0123',
    // A killed instance's claims pass to the others after this; well within the drain's 30 s without progress,
    // and far beyond what a live instance's batch takes, which would otherwise be sent again.
    CLAIM_LEASE: 'PT10S',
    LOG_LEVEL: options.logLevel,
    SCHEDULER_INTERVAL_MS: '200',
    MAIL_INTERVAL_MS: '100',
    MIGRATE_CASES_AT_START: 'true',
    ...delays,
  };
  const app = appProcesses({
    urls,
    log,
    envFor: async (generation, slot) => ({ ...env, PORT: String(ports[slot]), SMTP_URL: await smtp.listen(generation) }),
  });
  const slots = urls.map((_, slot) => slot);

  /** Waits for a start to answer; false if it exited on its own or never got there. */
  const ready = async (g: Generation, what: string) => {
    const outcome = await Promise.race([g.ready.then(() => 'ready'), g.exited.then((e) => `exited with ${e.signal ?? e.code}`), sleep(120_000).then(() => 'not running after 120 s')]);
    if (outcome === 'ready') return true;
    fail(`the app starts (${what})`, `start ${g.number} ${outcome}; see ${join(dir, 'app.log')}`);
    return false;
  };

  let load: ReturnType<typeof startLoad> | undefined;
  let staff: DemoStaff | undefined;
  let lastStartMs = 2000;
  const cleanExits: string[] = [];
  let apiVerify: { ok: boolean; events: number } | undefined;
  let cliVerify = { code: -1 as number | null, out: '' };
  const phases: Record<string, number> = {};
  let mailAtLoadEnd: { notices: number; oldestMs: number; acks: number; loadMs: number; sent: number } | undefined;

  try {
    // The first start makes the database and prints the demo staff; the other instances join it.
    const first = await app.spawnNext(0);
    if (!(await ready(first, 'first start'))) throw new Error('the first start failed');
    staff = await Promise.race([first.output(demoStaffFrom), sleep(30_000).then(() => undefined)]);
    if (!staff) throw new Error('the first start printed no demo staff (is the database new?)');
    lastStartMs = first.readyAt! - first.spawnedAt;
    for (const slot of slots.slice(1)) if (!(await ready(await app.spawnNext(slot), `instance ${slot + 1}`))) throw new Error(`instance ${slot + 1} failed to start`);
    const meanUptimeMs = options.durationS ? Math.max(200, (options.durationS * 1000) / options.kills - lastStartMs) : options.meanUptimeMs;
    console.log(`crash: first start took ${lastStartMs} ms; mean uptime before a kill ${Math.round(meanUptimeMs)} ms`);
    phases.setup = Date.now() - t0;

    load = startLoad({ app, staff, clients: options.clients, seed: options.seed });
    const killer = stream(options.seed, 0);

    /** SIGKILL of one instance, then the database as the kill left it: integrity, every acknowledgement so far, and the status of what it mailed. */
    const killAndInspect = async (slot: number): Promise<boolean> => {
      const g = app.currentOf(slot)!;
      if (g.child.exitCode !== null || g.child.signalCode !== null) {
        fail('the app runs until it is killed', `start ${g.number} exited by itself with ${g.child.signalCode ?? g.child.exitCode}`);
        return false;
      }
      const phase = g.readyAt === undefined ? 'start-up' : 'load';
      const inFlight = load!.inFlight;
      const exit = await app.kill(slot);
      if (exit.signal !== 'SIGKILL') {
        fail('the app runs until it is killed', `start ${g.number} ended with ${exit.signal ?? exit.code} before the kill`);
        return false;
      }
      if (!(await smtp.drained(g.number))) fail('the SMTP server sees the killed process go', `start ${g.number}'s connections stayed open`);
      const mailed = smtp.accepted.filter((m) => m.generation === g.number);
      const ids = [...new Set(mailed.map((m) => noticeIdOf(m.messageId) ?? m.messageId))];
      // The acknowledgements so far, taken before the read: other instances go on committing (and acknowledging) meanwhile.
      const state = await inspectCrashState(db, [...load!.acks], ids);
      ends.set(g.number, { how: 'killed', noticeStatus: state.noticeStatus });
      const unrecorded = [...state.noticeStatus.values()].filter((s) => s !== 'sent').length;
      const record: KillRecord = {
        n: kills.length + 1,
        generation: g.number,
        slot,
        phase,
        aliveMs: Date.now() - g.spawnedAt,
        acks: load!.acks.length,
        inFlight,
        messages: mailed.length,
        unrecorded,
        lost: state.lost.length,
        integrity: state.integrity,
      };
      kills.push(record);
      console.log(
        `kill ${String(record.n).padStart(3)}: start ${g.number}${options.instances > 1 ? ` (instance ${slot + 1})` : ''} (${phase}, ${record.aliveMs} ms), ${inFlight} requests in flight, ${record.acks} acknowledged so far, ` +
          `${record.messages} mailed (${unrecorded} not yet recorded), history ${state.historyRows}${state.integrity === undefined ? '' : `, integrity ${state.integrity}`}${state.lost.length ? `, LOST ${state.lost.length}` : ''}`,
      );
      if (state.lost.length) {
        fail(
          `kill ${record.n}: every acknowledged event is in the database the kill left`,
          state.lost.slice(0, 5).map((a) => `${a.type} on ${a.caseId} v${a.version}`).join('; '),
        );
      }
      return true;
    };

    const loadStart = Date.now();
    let healthy = true;
    while (healthy && kills.length < options.kills) {
      // Up and answering: let the clients work, then kill one instance at a random moment.
      await sleep(between(killer, 50, 2 * meanUptimeMs - 50));
      const slot = options.instances > 1 ? Math.floor(killer() * options.instances) : 0;
      if (!(healthy = await killAndInspect(slot))) break;
      let next = await app.spawnNext(slot);
      if (kills.length < options.kills && chance(killer, options.startupKillShare)) {
        // Somewhere in start-up (opening the database, migrations, summaries, the first sweeps) or just after it.
        await Promise.race([sleep(between(killer, 0, 1.2 * lastStartMs)), next.exited]);
        if (!(healthy = await killAndInspect(slot))) break;
        next = await app.spawnNext(slot);
      }
      if (!(healthy = await ready(next, `after kill ${kills.length}`))) break;
      lastStartMs = next.readyAt! - next.spawnedAt;
      if (load.aborted) {
        fail("the app accepts the demo staff's API tokens throughout", load.stats.unauthorized ?? 'the load stopped');
        healthy = false;
      }
    }
    phases.kills = Date.now() - loadStart;
    if (!healthy) throw new Error('the app did not survive the kills');

    // The end: the clients finish the request each has in hand (answered by the running app).
    const stopStart = Date.now();
    await load.stop();
    // Whatever was queued or fell due goes out now. The outbox may be far behind after a long run (it sends much
    // more slowly under load), so the wait is bounded by progress: it fails only if nothing moves for 30 s.
    let waiting = await backlog(db);
    const loadEnd = { ...waiting, acks: load.acks.length, loadMs: Date.now() - loadStart, sent: smtp.accepted.length };
    mailAtLoadEnd = loadEnd;
    let progress = { at: Date.now(), mark: '' };
    while (waiting.notices > 0 || waiting.timers > 0) {
      const mark = `${waiting.notices}/${waiting.timers}/${smtp.accepted.length}`;
      if (mark !== progress.mark) progress = { at: Date.now(), mark };
      else if (Date.now() - progress.at > 30_000) break;
      await sleep(100);
      waiting = await backlog(db);
    }
    if (waiting.notices > 0 || waiting.timers > 0) {
      fail('the outbox and the scheduler catch up after the last restart', `${waiting.notices} notices and ${waiting.timers} due timers still waiting, none sent or fired for 30 s`);
    }
    phases.drain = Date.now() - stopStart;
    const checksStart = Date.now();

    // The API's own view: the chain verifies, and a sample of cases' histories are the database's.
    const S = staff.supervisor;
    const verify = await fetch(`${urls[0]}/api/audit/verify`, { headers: { authorization: `Bearer ${S.token}` } });
    apiVerify = (await verify.json()) as { ok: boolean; events: number };
    const sampled = [...new Set(load.acks.map((a) => a.caseId))].filter((_, i, all) => i % Math.max(1, Math.floor(all.length / 10)) === 0);
    const apiHistories = new Map<string, { seq: number; type: string }[]>();
    for (const id of sampled) {
      const res = await fetch(`${urls[apiHistories.size % urls.length]}/api/cases/${id}/history`, { headers: { authorization: `Bearer ${S.token}` } });
      const body = (await res.json()) as { events?: { seq: number; type: string }[] };
      apiHistories.set(id, (body.events ?? []).map(({ seq, type }) => ({ seq, type })));
    }

    for (const last of app.running) {
      const exit = await app.stop(last.slot);
      cleanExits.push(exit.signal ?? String(exit.code));
      ends.set(last.number, { how: 'stopped', noticeStatus: new Map() });
      await smtp.drained(last.number);
    }

    cliVerify = await cli(['audit', 'verify'], { ...db.env, LINK_SECRET: env.LINK_SECRET, TOTP_KEY: env.TOTP_KEY, LOG_LEVEL: 'silent' });
    phases.finish = Date.now() - checksStart;

    // The checks.
    checks.push({ name: 'every instance stops cleanly on SIGTERM (exit 0)', ok: cleanExits.every((e) => e === '0'), detail: `exit ${cleanExits.join(', ')}` });
    const final = await finalChecks({ db, acks: load.acks, accepted: smtp.accepted, ends, delaysMs });
    checks.push(...final.checks);
    checks.push({
      name: 'the hash chain verifies (GET /api/audit/verify)',
      ok: apiVerify.ok === true,
      detail: JSON.stringify(apiVerify),
    });
    checks.push({
      name: 'the hash chain verifies (npm run cli -- audit verify)',
      ok: cliVerify.code === 0 && cliVerify.out.includes(`ok ${final.historyRows} events`),
      detail: `exit ${cliVerify.code}: ${cliVerify.out.trim().split('\n').at(-1)} (history holds ${final.historyRows})`,
    });
    const apiMismatch: string[] = [];
    for (const [id, events] of apiHistories) {
      const held = await historyOf(db, id);
      // Timers may have fired after the API answered: its list is a prefix of the database's.
      if (JSON.stringify(held.slice(0, events.length)) !== JSON.stringify(events) || events.length === 0) apiMismatch.push(id);
    }
    checks.push({
      name: 'GET /api/cases/:id/history answers what the database holds (a sample of cases)',
      ok: apiMismatch.length === 0,
      detail: apiMismatch.length === 0 ? `${apiHistories.size} cases` : apiMismatch.join(', '),
    });
    if (db.store === 'sqlite') {
      const badIntegrity = kills.filter((k) => k.integrity !== 'ok');
      checks.push({
        name: 'PRAGMA integrity_check on the database each kill left',
        ok: badIntegrity.length === 0,
        detail: badIntegrity.length === 0 ? `ok at all ${kills.length} kills` : badIntegrity.map((k) => `kill ${k.n}: ${k.integrity}`).join('; '),
      });
    }
    const lostAtKills = kills.filter((k) => k.lost > 0);
    checks.push({
      name: 'every event acknowledged before a kill is in the database that kill left',
      ok: lostAtKills.length === 0,
      detail: lostAtKills.length === 0 ? `checked at all ${kills.length} kills` : lostAtKills.map((k) => `kill ${k.n}: ${k.lost} lost`).join('; '),
    });
    checks.push({
      name: `at least ${options.kills} SIGKILLs`,
      ok: kills.length >= options.kills,
      detail: `${kills.length} (${kills.filter((k) => k.phase === 'start-up').length} during start-up)`,
    });
    checks.push({
      name: 'no 5xx answers',
      ok: load.stats.serverErrors.length === 0,
      detail: load.stats.serverErrors.length === 0 ? 'none' : load.stats.serverErrors.slice(0, 5).map((e) => `${e.status} ${e.method} ${e.path} (start ${e.generation}): ${e.body}`).join('; '),
    });

    report(final.mail);
  } catch (err) {
    fail('the run completes', err instanceof Error ? err.message : String(err));
    load?.abort();
    for (const g of app.running) if (g.child.exitCode === null && g.child.signalCode === null) await app.kill(g.slot);
  } finally {
    await smtp.close();
    await db.close();
    await postgres?.stop();
    await new Promise<void>((done) => log.end(done));
  }

  function report(mail: MailFigures) {
    const acks = load!.acks;
    const byType = new Map<string, number>();
    for (const a of acks) byType.set(a.type, (byType.get(a.type) ?? 0) + 1);
    const stats = load!.stats;
    const retried = acks.filter((a) => a.attempts > 1).length;
    console.log('\nfigures:');
    console.log(`  acknowledged       ${acks.length} (${stats.cases} cases; ${retried} after a lost answer, ${stats.replays} of them replayed from their Idempotency-Key)`);
    console.log(`  by type            ${[...byType].sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t} ${n}`).join(', ')}`);
    console.log(`  plans              ${[...stats.plans].map(([p, n]) => `${p} ${n}`).join(', ')}`);
    console.log(`  requests           ${stats.sent} sent, ${stats.connectionErrors} without an answer (the app was down), ${stats.reads} case reads`);
    console.log(`  refused            ${[...stats.refusals].map(([r, n]) => `${r} ×${n}`).join(', ') || 'none'}`);
    console.log(`  kills              ${kills.length}: ${kills.filter((k) => k.phase === 'start-up').length} during start-up, ${kills.reduce((n, k) => n + k.inFlight, 0)} requests in flight in all`);
    console.log(`  notices            ${mail.notices} (${mail.sent} sent, ${mail.failedAtOnce} failed at once: no address); ${mail.messages} messages received`);
    if (mailAtLoadEnd) {
      const { notices, oldestMs, loadMs, sent } = mailAtLoadEnd;
      console.log(
        `  outbox under load  ${sent} messages in ${seconds(loadMs)} of load and restarts; ${notices} notices still queued when the load stopped, the oldest ${seconds(oldestMs)} old`,
      );
    }
    console.log(`  in flight at kills ${kills.reduce((n, k) => n + k.unrecorded, 0)} notices sent but not yet recorded when their process was killed`);
    console.log(
      `  duplicates         ${mail.duplicates.length}${mail.duplicates.length ? ': ' + mail.duplicates.slice(0, 10).map((d) => `${d.noticeId} ×${d.copies} (resent after kill of start ${d.resentAfterKillOf.join(', ')})`).join('; ') : ''}`,
    );
    console.log(`  time               setup ${seconds(phases.setup ?? 0)}, kills ${seconds(phases.kills ?? 0)}, drain ${seconds(phases.drain ?? 0)}, stop and checks ${seconds(phases.finish ?? 0)}`);
  }

  const failed = checks.filter((c) => !c.ok);
  console.log('\nchecks:');
  for (const c of checks) console.log(`  ${c.ok ? 'pass' : 'FAIL'}  ${c.name}: ${c.detail}`);
  console.log(`\ncrash: ${failed.length === 0 ? 'PASS' : `FAIL (${failed.length} of ${checks.length} checks)`} in ${seconds(Date.now() - t0)}, seed ${options.seed}`);
  if (failed.length === 0 && !options.keep) rmSync(dir, { recursive: true, force: true });
  else {
    // For the post-mortem: what was acknowledged, what the SMTP server took, and each kill, beside the database and the app's log.
    writeFileSync(join(dir, 'acks.json'), JSON.stringify(load?.acks ?? []));
    writeFileSync(join(dir, 'mail.json'), JSON.stringify(smtp.accepted));
    writeFileSync(join(dir, 'kills.json'), JSON.stringify({ kills, ends: [...ends].map(([g, e]) => ({ generation: g, how: e.how, noticeStatus: [...e.noticeStatus] })) }));
    // The PostgreSQL server's temp data directory goes with the server; the records say what each process was told and did.
    const kept = db.store === 'sqlite' ? 'the database, its WAL, ' : '';
    console.log(`crash: ${kept}the app's log and the run's records (acks.json, mail.json, kills.json) are kept in ${dir}`);
  }
  process.exit(failed.length === 0 ? 0 : 1);
}

/** A new database on the run's PostgreSQL server: its URL. */
async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: `${serverUrl}/postgres` });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return `${serverUrl}/${name}`;
}

/** `npm run cli -- …` on the run's database: its exit code and what it printed. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawnTsx('src/cli.ts', args, env);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return new Promise((done) => child.once('close', (code) => done({ code, out })));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
