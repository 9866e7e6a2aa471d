import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from '../../../src/auth/passwords.js';
import { openDatabase } from '../../../src/store/database.js';
import { pageSize } from '../../../src/web/staff/caseload/presenter.js';
import type { Sizes } from '../options.js';
import { appNodeFlags, freePort, spawnTsx, stopProcess } from '../processes.js';
import { figure, type SectionResult } from '../report.js';
import { median, percentile, round, timed } from '../stats.js';
import { seedScaleDb } from '../scale/seed.js';
import { heading, hiddenFields, staffClient, type StaffClient } from './staffClient.js';

const mainScript = join(import.meta.dirname, '../../../src/main.ts');

/** A small deterministic PRNG, so every run samples the same pages. */
function random(seed: number) {
  return (below: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * below);
  };
}

interface PagesDb {
  supervisor: { email: string; cases: number };
  facilitator: { email: string; cases: number };
  password: string;
  /** Every case, with its reference, for the case pages. */
  cases: { id: string; reference: string }[];
  /** Open cases, where a note can be added. */
  activeIds: string[];
}

/**
 * The scale section's seed, made ready for signing in: the supervisor and the facilitator with the
 * biggest caseload get a real scrypt password (the seed leaves none), and the cases are labelled with
 * the machine version their snapshots were captured on (the current one), so start-up has none to move.
 */
async function seedPagesDb(path: string, sizes: Sizes['pages']): Promise<PagesDb> {
  await seedScaleDb(path, { ...sizes, startups: 0, verifications: 0 });
  const password = randomBytes(18).toString('base64url');
  const hash = await hashPassword(password);
  const db = openDatabase(path);
  try {
    const supervisor = db.prepare("SELECT id, email FROM users WHERE role = 'supervisor' ORDER BY email LIMIT 1").get() as { id: string; email: string };
    const facilitator = db
      .prepare(
        `SELECT u.id, u.email, count(*) AS cases FROM case_facilitators f JOIN users u ON u.id = f.user_id
         WHERE u.role = 'facilitator' GROUP BY u.id ORDER BY cases DESC LIMIT 1`,
      )
      .get() as { id: string; email: string; cases: number };
    db.transaction(() => {
      const setHash = db.prepare('UPDATE users SET password_hash = ? WHERE id = ?');
      setHash.run(hash, supervisor.id);
      setHash.run(hash, facilitator.id);
    })();
    const cases = db.prepare('SELECT id, reference FROM cases ORDER BY created_at, id').all() as { id: string; reference: string }[];
    const activeIds = db.prepare("SELECT id FROM cases WHERE status = 'active' ORDER BY created_at, id").pluck().all() as string[];
    return {
      supervisor: { email: supervisor.email, cases: cases.length },
      facilitator: { email: facilitator.email, cases: facilitator.cases },
      password,
      cases,
      activeIds,
    };
  } finally {
    db.close();
  }
}

/** Starts src/main.ts on the seeded database; resolves once /healthz answers. */
async function startServer(databasePath: string, mailDir: string): Promise<{ child: ChildProcess; url: string; startMs: number }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const start = performance.now();
  // Every setting the product reads at start is given, so none leaks in from the caller (vitest sets BASE_URL=/, for one).
  // The bench signs in with passwords alone; two-factor sign-in costs one request more per sign-in, not per page.
  const env = { NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', BASE_URL: url, DATABASE_PATH: databasePath, MAIL_DIR: mailDir, LOG_LEVEL: 'silent', REQUIRE_2FA_FOR: 'none' };
  const child = spawnTsx(mainScript, [], env, 'ignore', appNodeFlags);
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`src/main.ts exited with ${code}`))));
  for (;;) {
    const answered = await Promise.race([fetch(`${url}/healthz`).then((r) => r.ok, () => false), exited]);
    if (answered) return { child, url, startMs: performance.now() - start };
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resident and peak resident memory of a process, in MB, from /proc. */
function memoryOf(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rssMb: round(kb('VmRSS') / 1024, 1), peakRssMb: round(kb('VmHWM') / 1024, 1) };
}

/** Starts the peak over from the current RSS (Linux 4.0 on), so what signing in took is not counted against the pages. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Wall times of `samples` sequential runs of `once` (after a short warm-up of the same). */
async function sample(samples: number, once: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < Math.min(20, samples); i++) await once();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await once();
    times.push(performance.now() - start);
  }
  return times;
}

/** A GET that must answer 200 with a page whose h1 says `expected`. */
async function load(client: StaffClient, path: string, expected: (h1: string) => boolean) {
  const page = client.expectStatus(await client.get(path), 200, `GET ${path}`);
  if (!expected(heading(page.html))) throw new Error(`GET ${path} showed "${heading(page.html)}"`);
}

/**
 * The staff web app at scale, as staff use it: over HTTP, signed in through the sign-in form with the
 * session cookie, on a database seeded as the scale section's. The caseload (a supervisor's, of every
 * case, and the facilitator's with the biggest share), the supervisor's dashboard, case pages (each view recorded for the audit,
 * as the product does), and a form's whole round trip: GET the ADD_NOTE form, POST it with its hidden
 * fields, follow the 303 to the case page. Then the server's peak RSS.
 */
export async function pagesBench(sizes: Sizes['pages'], workDir: string): Promise<SectionResult> {
  const path = join(workDir, 'pages.sqlite');
  const seeded = await timed(() => seedPagesDb(path, sizes));
  const db = seeded.value;

  const server = await startServer(path, join(workDir, 'mail'));
  try {
    const { url, child } = server;
    const supervisor = staffClient(url);
    const facilitator = staffClient(url);
    await supervisor.signIn(db.supervisor.email, db.password);
    await facilitator.signIn(db.facilitator.email, db.password);
    const afterSignIn = memoryOf(child.pid!);
    const peakReset = resetPeak(child.pid!);

    const pick = random(7);
    const pageOf = (cases: number) => 1 + pick(Math.ceil(cases / pageSize));
    const caseload = (client: StaffClient, cases: number, h1: string) => () => load(client, `/cases?page=${pageOf(cases)}`, (shown) => shown === h1);
    const supervisorList = await sample(sizes.samples, caseload(supervisor, db.supervisor.cases, 'All cases'));
    const facilitatorList = await sample(sizes.samples, caseload(facilitator, db.facilitator.cases, 'Your cases'));
    const dashboard = await sample(sizes.samples, () => load(supervisor, '/', (h1) => h1 === 'Dashboard'));
    const casePage = await sample(sizes.samples, async () => {
      const { id, reference } = db.cases[pick(db.cases.length)]!;
      await load(supervisor, `/cases/${id}`, (h1) => h1.includes(reference));
    });
    let notes = 0;
    const roundTrip = await sample(sizes.roundTrips, async () => {
      const id = db.activeIds[pick(db.activeIds.length)]!;
      const formPath = `/cases/${id}/events/ADD_NOTE`;
      const form = supervisor.expectStatus(await supervisor.get(formPath), 200, `GET ${formPath}`);
      const posted = await supervisor.post(formPath, { ...hiddenFields(form.html, formPath), text: `Phoned the victim to check in (note ${++notes}); no new concerns.` });
      if (posted.location !== `/cases/${id}`) throw new Error(`POST ${formPath} answered ${posted.status} to ${posted.location}: ${heading(posted.html)}`);
      supervisor.expectStatus(await supervisor.follow(posted, `POST ${formPath}`), 200, `the case page after POST ${formPath}`);
    });
    const memory = memoryOf(child.pid!);

    const p95 = (name: string, times: number[]) => figure({ name, value: percentile(times, 95), unit: 'ms', target: { on: 'value', op: '<', limit: 50 } });
    const latency = (times: number[]) => ({ p50: round(median(times)), p95: round(percentile(times, 95)), max: round(percentile(times, 100)) });
    const count = (n: number) => n.toLocaleString('en-GB');
    return {
      figures: [
        p95(`caseload page /cases p95, supervisor (${count(db.supervisor.cases)} cases)`, supervisorList),
        p95(`caseload page /cases p95, facilitator (${count(db.facilitator.cases)} cases)`, facilitatorList),
        p95('supervisor dashboard / p95 (8 lists, caseloads)', dashboard),
        p95('case page /cases/:id p95 (random cases)', casePage),
        p95('form round trip p95 (ADD_NOTE: GET, POST, 303 to the case page)', roundTrip),
        figure({
          name: peakReset ? 'server peak RSS after the page loads (from after sign-in)' : 'server peak RSS after the page loads (sign-in included)',
          value: memory.peakRssMb,
          unit: 'MB',
          target: { on: 'value', op: '<', limit: 250 },
        }),
        // Each sign-in's scrypt (N=2^17, r=8) holds 128 MiB while it runs, on top of whatever the server holds then.
        figure({ name: 'server peak RSS from start to after the sign-ins (scrypt)', value: afterSignIn.peakRssMb, unit: 'MB' }),
      ],
      details: {
        sizes,
        seeded: { cases: db.cases.length, active: db.activeIds.length, facilitatorCases: db.facilitator.cases, seconds: round(seeded.ms / 1000, 1) },
        startMs: round(server.startMs),
        pagesMs: { supervisorList: latency(supervisorList), facilitatorList: latency(facilitatorList), dashboard: latency(dashboard), casePage: latency(casePage), formRoundTrip: latency(roundTrip) },
        memory: { afterSignIn, afterPages: memory, peakReset },
      },
    };
  } finally {
    await stopProcess(server.child);
  }
}
