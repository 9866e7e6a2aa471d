import { load } from 'cheerio';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createServices } from '../../src/services.js';
import { caseClient } from '../api/apiSteps.js';
import { addCheapStaff, addCheapUser, disableUser, signInSession, type CheapStaff } from '../support/cheapStaff.js';
import { sampleReferral, startApp, tempDir, type TestApp, type TestUser } from '../support/harness.js';
import { linkToken } from '../web/partySteps.js';
import { routeTable, type RouteKey } from './routeTable.js';

/**
 * Every route of the app × every method × every role, over real HTTP, with path parameters filled
 * with the caller's own case and with another case. The route table is read from the app itself,
 * so a route added without an entry below fails the first test, and an entry left for a route that
 * is gone fails it too. Asserts: no 2xx (nor a redirect other than to sign-in) where the table says
 * none, the roles the table names do get in to the pages they may read, and no response to a caller
 * who may not see a case carries anything of it (sentinel strings planted in its referral and notes).
 */

const roles = ['anonymous', 'party', 'unallocated', 'allocated', 'supervisor', 'admin', 'disabled'] as const;
type Role = (typeof roles)[number];
type Target = 'own' | 'other';

const everyone: Role[] = [...roles];
const signedIn: Role[] = ['unallocated', 'allocated', 'supervisor', 'admin'];
const worksCases: Role[] = ['unallocated', 'allocated', 'supervisor'];
const onlySupervisors: Role[] = ['supervisor'];
/** Routes about one case: its allocated facilitator and supervisors on their own case, supervisors on any. */
const onACase = { own: ['allocated', 'supervisor'] as Role[], other: onlySupervisors };
const auditing = { own: onlySupervisors, other: onlySupervisors };

/**
 * Who may get a 2xx (or a redirect other than to sign-in) from each route, by the case it is about:
 * `own` is the case the allocated facilitator and the party are on, `other` a case neither is on.
 * A route without a case has one list for both. Methods a route does not declare are nobody's.
 */
const expected: Record<string, Role[] | { own: Role[]; other: Role[] }> = {
  'GET /healthz': everyone,
  'GET /readyz': everyone,
  'GET /assets/govuk-frontend.min.css': everyone,
  'GET /assets/govuk-frontend.min.js': everyone,
  'GET /assets/moj-frontend.min.css': everyone,
  'USE /assets': everyone,

  'GET /api/me': signedIn,
  'GET /api/facilitators': worksCases,
  'POST /api/cases': worksCases,
  'GET /api/cases': worksCases,
  'GET /api/cases/:id': onACase,
  'POST /api/cases/:id/events': onACase,
  'GET /api/cases/:id/history': onACase,
  'GET /api/audit/verify': onlySupervisors,
  'GET /api/cases/:id/audit': auditing,
  'GET /api/cases/:id/subject-access/:party': auditing,
  'GET /api/reports': onlySupervisors,
  'GET /api/reports/:table': onlySupervisors,
  // Retention and erasure: supervisors alone, on any case (mayManagePersonalData); the matrix's empty bodies get a 422 and change nothing.
  'PUT /api/cases/:id/legal-hold': auditing,
  'DELETE /api/cases/:id/legal-hold': auditing,
  'POST /api/cases/:id/erasure': auditing,
  'GET /api/retention': onlySupervisors,

  // A link's token is the party's only credential: only the party holds one (for their own case).
  'GET /respond/:token': { own: ['party'], other: [] },
  'POST /respond/:token': { own: ['party'], other: [] },
  'POST /respond/answer': ['party'],
  'POST /respond/withdraw': ['party'],
  'POST /respond/feedback': ['party'],

  // Outside production, with no mail server: the captured mail, for anyone on the machine (see the last test).
  'GET /dev/mail': everyone,
  'GET /dev/mail/:id': everyone,

  'GET /sign-in': everyone,
  'POST /sign-in': everyone,
  'POST /sign-out': signedIn,
  // The second step is for a session half-way through sign-in (none of these roles): anyone signed in is sent on.
  'GET /sign-in/code': signedIn,
  'POST /sign-in/code': [],
  // A set-up link's token is a new user's only credential, and none of these roles holds one.
  'GET /account/set-up/:token': { own: everyone, other: everyone },
  'POST /account/set-up/:token': { own: everyone, other: everyone },

  // Each signed-in user's own account.
  'GET /account': signedIn,
  'GET /account/password': signedIn,
  'POST /account/password': signedIn,
  'POST /account/sessions/end': signedIn,
  'GET /account/tokens': signedIn,
  'GET /account/tokens/new': signedIn,
  'POST /account/tokens/new': signedIn,
  'POST /account/tokens/:id/revoke': signedIn,
  'GET /account/two-factor': signedIn,
  'POST /account/two-factor': signedIn,

  // Administration: users and failed access, for admins alone.
  'USE /admin': ['admin'],
  'GET /admin': ['admin'],
  'GET /admin/access-failures': ['admin'],
  'GET /admin/users/new': ['admin'],
  'POST /admin/users/new': ['admin'],
  'GET /admin/users/:id': ['admin'],
  'POST /admin/users/:id/disable': ['admin'],
  'POST /admin/users/:id/reset-two-factor': ['admin'],
  // A supervisor's dashboard; anyone else signed in gets their start page (a facilitator's cases, an admin's page).
  'GET /': signedIn,
  'GET /cases': signedIn,
  'GET /cases/new': worksCases,
  'POST /cases/new': worksCases,
  'GET /supervision/new': onlySupervisors,
  'POST /supervision/new': onlySupervisors,
  'GET /reports': onlySupervisors,
  'GET /reports/:file': onlySupervisors,
  'GET /retention': onlySupervisors,
  'GET /cases/:id': onACase,
  'GET /cases/:id/history': auditing,
  'GET /cases/:id/history.csv': auditing,
  'GET /cases/:id/history.json': auditing,
  // Subject access exports: supervisors alone, on any case (mayManagePersonalData).
  'GET /cases/:id/subject-access': auditing,
  'GET /cases/:id/subject-access/:party': auditing,
  'GET /cases/:id/subject-access/:party.json': auditing,
  // A case's legal hold and erasure on request, from the retention page: supervisors alone, on any case.
  'GET /cases/:id/erase': auditing,
  'POST /cases/:id/erase': auditing,
  'GET /cases/:id/legal-hold': auditing,
  'POST /cases/:id/legal-hold': auditing,
  'GET /cases/:id/legal-hold/lift': auditing,
  'POST /cases/:id/legal-hold/lift': auditing,
  'GET /cases/:id/events/:type': onACase,
  'POST /cases/:id/events/:type': onACase,
};

/**
 * GET entries whose allowed roles are not shown to get in: the matrix asks for a mail that does not exist
 * and holds no set-up link, and issuing a token needs two-factor sign-in set up, which no role here has.
 */
const noPositiveControl = new Set(['GET /dev/mail/:id', 'GET /account/set-up/:token', 'GET /account/tokens/new']);

const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** Strings planted in a case: none may reach a caller who may not see it. */
function sentinels(tag: string) {
  const t = tag.toLowerCase();
  return {
    referral: sampleReferral({
      referrer: { agency: `Sentinel Agency ${tag}`, name: `Sentinel Referrer ${tag}`, email: `sentinel.referrer.${t}@police.example` },
      offence: { type: 'burglary', date: '2026-10-01', description: `Sentinel description ${tag}`, crimeReference: `SENT/${tag}` },
      victim: { name: `Sentinel Victim ${tag}`, email: `sentinel.victim.${t}@example.org`, phone: '01234 999111' },
      offender: { name: `Sentinel Offender ${tag}`, email: `sentinel.offender.${t}@example.net` },
    }),
    note: `Sentinel note ${tag}`,
    /** What the case's own victim may not see either: the offender's details, the referral, staff notes. */
    hiddenFromVictim: [`Sentinel Offender ${tag}`, `sentinel.offender.${t}@example.net`, `Sentinel Referrer ${tag}`, `sentinel.referrer.${t}@police.example`, `Sentinel description ${tag}`, `SENT/${tag}`, `Sentinel note ${tag}`],
    all: [`Sentinel Agency ${tag}`, `Sentinel Victim ${tag}`, `sentinel.victim.${t}@example.org`, `Sentinel Offender ${tag}`, `sentinel.offender.${t}@example.net`, `Sentinel Referrer ${tag}`, `sentinel.referrer.${t}@police.example`, `Sentinel description ${tag}`, `SENT/${tag}`, `Sentinel note ${tag}`],
  };
}

interface Credentials {
  token?: string;
  cookie?: string;
  csrf?: string;
  party?: { token: string; linkCsrf: string; session: string; sessionCsrf: string };
}

describe('the access matrix: every route × method × role', () => {
  const tmp = tempDir();
  let app: TestApp;
  let staff: CheapStaff;
  let routes: RouteKey[];
  /** A user for the admin's pages to act on (disabling it disables no one the matrix signs in as). */
  let managed: TestUser;
  const cases = {} as Record<Target, { id: string; reference: string; hidden: string[]; hiddenFromVictim: string[] }>;
  const creds = {} as Record<Role, Credentials>;
  let address = 0;

  const signIn = (user: TestUser) => signInSession(app, user.email, `10.250.0.${address++ % 250}`);

  beforeAll(async () => {
    // Each request comes from an address of its own (TRUST_PROXY=1): the rate limits are not what is tested here.
    app = await startApp(`${tmp.dir}/rj.sqlite`, undefined, { TRUST_PROXY: '1' });
    staff = await addCheapStaff(app);
    const elsewhere = await addCheapUser(app, 'facilitator', 'facilitator elsewhere');
    managed = await addCheapUser(app, 'facilitator', 'managed by the admin');
    const s = staff.supervisor.token;
    const plant = async (target: Target, tag: string, facilitator: TestUser) => {
      const planted = sentinels(tag);
      const created = await app.request('POST', '/api/cases', { token: s, body: planted.referral });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const c = caseClient(app, created.body.case.id as string);
      await c.ok(s, { type: 'ACCEPT_REFERRAL', facilitatorIds: [facilitator.id] });
      await c.ok(facilitator.token, { type: 'INVITE_VICTIM' });
      await c.ok(facilitator.token, { type: 'ADD_NOTE', text: planted.note });
      cases[target] = { id: c.id, reference: created.body.case.reference as string, hidden: [...planted.all, created.body.case.reference as string], hiddenFromVictim: planted.hiddenFromVictim };
    };
    await plant('own', 'A7Q', staff.facilitator);
    await plant('other', 'B3X', elsewhere);

    for (const [role, user] of [['unallocated', staff.facilitator2], ['allocated', staff.facilitator], ['supervisor', staff.supervisor], ['admin', staff.admin], ['disabled', staff.disabled]] as const) {
      creds[role] = { token: user.token, ...(await signIn(user)) };
    }
    // Disabled after it had a token and a session: neither opens anything now.
    disableUser(app, staff.disabled.id);
    creds.anonymous = {};
    // The victim of the own case: their invitation link, and a party session opened on it.
    const token = await linkToken(app, cases.own.id, 'victim_invitation', 'invitation');
    const start = await fetch(`${app.baseUrl}/respond/${token}`, { headers: { 'x-forwarded-for': '10.251.0.1' } });
    const linkCsrf = load(await start.text())('input[name=_csrf]').attr('value')!;
    const opened = await fetch(`${app.baseUrl}/respond/${token}`, {
      method: 'POST',
      headers: { 'x-forwarded-for': '10.251.0.2', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: linkCsrf }).toString(),
    });
    const $ = load(await opened.text());
    creds.party = { party: { token, linkCsrf, session: $('input[name=session]').attr('value')!, sessionCsrf: $('form[action="/respond/answer"] input[name=_csrf]').attr('value')! } };
    expect(creds.party.party!.session).toMatch(/^[A-Za-z0-9_-]{43}$/);

    routes = routeTable(createApp(app.services));
  });

  afterAll(async () => {
    await app?.stop();
    tmp.remove();
  });

  const key = (r: RouteKey) => `${r.method} ${r.path}`;

  it('has an entry for every route the app declares, and no entry for a route it does not', () => {
    const declared = routes.map(key).sort();
    const missing = declared.filter((k) => !(k in expected));
    const stale = Object.keys(expected).filter((k) => !declared.includes(k));
    expect(missing, 'routes with no entry in the access matrix: say who may get a 2xx from each').toEqual([]);
    expect(stale, 'entries for routes the app no longer has').toEqual([]);
  });

  /** The path with its parameters filled for this caller and target; the route key it was made from. */
  function pathFor(route: RouteKey, role: Role, target: Target): string {
    // A mount with no route of its own at its path is asked for a file in it (the app's own stylesheet, for /assets).
    const path = route.method === 'USE' && !routes.some((r) => r.method !== 'USE' && r.path === route.path) ? `${route.path}/app.css` : route.path;
    // An :id is a case's, but for a captured mail (none), a user an admin manages (one made for it), an API token (nobody's).
    const id = route.path.startsWith('/dev/mail') ? 'no-such-mail' : route.path.startsWith('/admin/users') ? managed.id : route.path.startsWith('/account/tokens') ? randomUUID() : cases[target].id;
    return path
      .replace(':id', id)
      .replace(':type', 'ADD_NOTE')
      .replace(':party', 'victim')
      .replace(':table', 'funnel')
      .replace(':file', 'funnel.csv')
      // Only the party holds a link, and only to their own case: anyone else can only make one up.
      .replace(':token', role === 'party' && target === 'own' ? creds.party.party!.token : app.services.linkTokens.tokenFor(randomUUID()))
      // The reports' tables and their CSV need a period.
      .concat(route.path.includes('/reports') ? '?from=2026-10-01&to=2026-12-31' : '');
  }

  /** A body that would do what the route is for, were the caller allowed: a referral, a note, a supervision session, an answer. */
  function bodyFor(route: RouteKey, role: Role): { body: string; type: string } | undefined {
    const c = creds[role];
    if (route.path.startsWith('/api/')) {
      const json = route.path === '/api/cases' ? sampleReferral() : route.path === '/api/cases/:id/events' ? { type: 'ADD_NOTE', text: 'Matrix note' } : {};
      return { body: JSON.stringify(json), type: 'application/json' };
    }
    const form = new URLSearchParams();
    if (c.party) {
      // A party's credentials are its link's value and its session's fields, whatever the route.
      if (route.path === '/respond/:token') form.set('_csrf', c.party.linkCsrf);
      else {
        form.set('session', c.party.session);
        form.set('_csrf', c.party.sessionCsrf);
      }
    } else if (c.csrf) form.set('_csrf', c.csrf);
    const fields: Record<string, Record<string, string>> = {
      '/cases/new': {
        'referrer[agency]': 'Northshire Police', 'referrer[name]': 'PC Matrix', 'referrer[email]': 'matrix@police.example',
        'offence[type]': 'theft', 'offence[date]-day': '1', 'offence[date]-month': '10', 'offence[date]-year': '2026', 'offence[description]': 'A theft',
        cjsStage: 'post_sentence', initiatedBy: 'agency', 'victim[name]': 'Val Matrix', 'offender[name]': 'Otto Matrix', idempotencyKey: randomUUID(),
      },
      '/supervision/new': { facilitatorId: staff.facilitator.id, 'heldOn-day': '20', 'heldOn-month': '11', 'heldOn-year': '2026', note: 'Supervision' },
      '/cases/:id/events/:type': { text: 'Matrix note' },
    };
    for (const [k, v] of Object.entries(fields[route.path] ?? {})) form.set(k, v);
    return { body: form.toString(), type: 'application/x-www-form-urlencoded' };
  }

  /** Whether an answer let the caller in: a 2xx (an OPTIONS listing only its methods aside), or a redirect anywhere but sign-in. */
  function granted(method: string, status: number, location: string | null, text: string): boolean {
    if (method === 'OPTIONS' && status >= 200 && status < 300) return !/^[A-Z, ]*$/.test(text);
    if (status >= 200 && status < 300) return true;
    return status >= 300 && status < 400 && !/^\/sign-in(\?|$)/.test(location ?? '');
  }

  const mayGet = (entry: (typeof expected)[string] | undefined, target: Target): Role[] => (!entry ? [] : Array.isArray(entry) ? entry : entry[target]);
  /** Who may see each case: its facilitator and supervisors; the party sees its own case, but never what is kept from the victim. */
  const hiddenFrom = (role: Role, target: Target): string[] => {
    if (role === 'supervisor') return [];
    if (target === 'own' && role === 'allocated') return [];
    if (target === 'own' && role === 'party') return cases.own.hiddenFromVictim;
    return cases[target].hidden;
  };

  it('gives no 2xx where the table has none, lets in those it names, and never shows a case to a caller who may not see it', async () => {
    const denials: string[] = [];
    const leaks: string[] = [];
    const lockedOut: string[] = [];
    let sent = 0;
    // Each path once, with every method: what a method may do is its own entry's (HEAD a GET's; a mount's, GET's and HEAD's).
    const paths = [...new Map(routes.map((r) => [r.path, r])).values()];
    for (const route of paths) {
      const hasCase = route.path.includes('/cases/:id') || route.path.includes(':token');
      for (const method of methods) {
        const entry =
          expected[`${method} ${route.path}`] ??
          (method === 'HEAD' ? expected[`GET ${route.path}`] : undefined) ??
          (method === 'GET' || method === 'HEAD' ? expected[`USE ${route.path}`] : undefined);
        const probe = { method, path: route.path };
        for (const target of hasCase ? (['own', 'other'] as const) : (['own'] as const)) {
          for (const role of roles) {
            const c = creds[role];
            const path = pathFor(routes.some((r) => r.method === 'USE' && r.path === route.path) ? { method: 'USE', path: route.path } : probe, role, target);
            // A signed-in caller signing out ends their session: they sign out of a session opened for it.
            const session = route.path === '/sign-out' && c.cookie && role !== 'disabled' ? await signIn(role === 'supervisor' ? staff.supervisor : role === 'admin' ? staff.admin : role === 'allocated' ? staff.facilitator : staff.facilitator2) : c;
            const payload = ['GET', 'HEAD', 'OPTIONS'].includes(method) ? undefined : bodyFor(probe, role);
            const query = method === 'GET' && c.party && !route.path.startsWith('/respond') ? `${path.includes('?') ? '&' : '?'}session=${c.party.session}&_csrf=${c.party.sessionCsrf}` : '';
            const res = await fetch(app.baseUrl + path + query, {
              method,
              redirect: 'manual',
              headers: {
                'x-forwarded-for': `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address++ & 255}`,
                ...(c.token ? { authorization: `Bearer ${c.token}` } : {}),
                ...(session.cookie ? { cookie: session.cookie } : {}),
                ...(payload ? { 'content-type': payload.type } : {}),
              },
              ...(payload ? { body: payload.type.startsWith('application/x-www') && session !== c ? payload.body.replace(/_csrf=[^&]*/, `_csrf=${session.csrf}`) : payload.body } : {}),
            });
            sent++;
            const text = await res.text();
            const said = `${method} ${route.path}${hasCase ? ` (${target} case)` : ''} as ${role} → ${res.status} ${res.headers.get('location') ?? ''} ${text.replace(/\s+/g, ' ').slice(0, 120)}`;
            const allowed = mayGet(entry, target).includes(role);
            const inside = granted(method, res.status, res.headers.get('location'), text);
            if (inside && !allowed) denials.push(said);
            if (!inside && allowed && method === 'GET' && !noPositiveControl.has(`GET ${route.path}`)) lockedOut.push(said);
            const seen = `${text}\n${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}`;
            for (const t of ['own', 'other'] as const) {
              const found = hiddenFrom(role, t).filter((s) => seen.includes(s));
              if (found.length) leaks.push(`${said}: shows ${t === 'own' ? 'the own' : 'another'} case's ${found.join(', ')}`);
            }
          }
        }
      }
    }
    expect(denials, 'answers that let in a caller the table does not name').toEqual([]);
    expect(leaks, 'answers that show a case to a caller who may not see it').toEqual([]);
    expect(lockedOut, 'pages the table opens to a role that did not get in (the matrix would prove nothing)').toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(paths.length * methods.length * roles.length);
  });

  it('has no /dev/mail where mail goes to a real server', async () => {
    const other = tempDir();
    try {
      const config = loadConfig({ NODE_ENV: 'test', DATABASE_PATH: `${other.dir}/rj.sqlite`, LOG_LEVEL: 'silent', SMTP_URL: 'smtp://localhost:2525' });
      const services = await createServices(config, { logger: createLogger('silent') });
      try {
        const paths = routeTable(createApp(services)).map((r) => r.path);
        expect(paths.filter((p) => p.startsWith('/dev/'))).toEqual([]);
        expect(paths).toContain('/cases/:id');
      } finally {
        await services.store.close();
      }
    } finally {
      other.remove();
    }
  });
});
