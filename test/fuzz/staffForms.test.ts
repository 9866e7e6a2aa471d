import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStaffEvent, type StaffEvent } from '../../machines/case/permissions.js';
import { eventTypes } from '../../machines/case/events.js';
import { staffCaller } from '../../src/access.js';
import { taskViews } from '../../src/cases/caseTasks.js';
import { eventForms } from '../../src/web/staff/eventForm/registry.js';
import { htmlName, type Field } from '../../src/web/staff/forms/fields.js';
import { referralFields } from '../../src/web/staff/newReferral/fields.js';
import { supervisionFields } from '../../src/web/staff/supervision/fields.js';
import { caseClient, consentBoth, lowRisk, prepareBoth } from '../api/apiSteps.js';
import { addCheapStaff, cheapPassword, disableUser, signInSession, type CheapStaff } from '../support/cheapStaff.js';
import { openCase, sampleReferral, startApp, tempDir, type TestApp } from '../support/harness.js';
import { blank, encodeComponent, encodeForm, expectCleanRefusal, tooLong, junkValue, noisy, oddBodies, pair, prototypeWords, rawFragment, send, unicodeString, type Pair } from './formJunk.js';
import { fuzzMode, fuzzOptions, fuzzRuns, fuzzTimeout } from './fuzzRuns.js';
import { changedTables, expectOnlyWrites, tableDigests, type TableDigests } from './tableDigest.js';

/**
 * The staff forms under malformed posts: every event form on cases in every stage, the new
 * referral, the supervision session, a user's account and the admins' forms, and sign-out, each sent
 * with something that must stop it (the anti-forgery token missing, wrong or repeated; a caller who
 * may not; a case or event that is not there; a stale version; one field the form or its schema
 * refuses) and junk on top (repeated
 * fields, arrays for scalars, prototype keys, control characters, huge strings, broken escapes).
 * Every answer: no 5xx, no stack trace, and not one row of any table written. Then the GET pages
 * with junk queries and ids: the same, except that a case page, history or export that opens logs
 * its one view (case_views), as it must.
 */

type Caller = 'facilitator' | 'facilitator2' | 'supervisor' | 'supervisor2' | 'admin' | 'disabled' | 'anonymous' | 'forged';
const signedInCallers = ['facilitator', 'facilitator2', 'supervisor', 'supervisor2', 'admin'] as const;
type SignedInCaller = (typeof signedInCallers)[number];
type CaseKey = 'referral' | 'consent' | 'riskApproval' | 'preparation' | 'conference' | 'followUp' | 'closed';
const caseKeys: CaseKey[] = ['referral', 'consent', 'riskApproval', 'preparation', 'conference', 'followUp', 'closed'];
const staffEvents = Object.keys(eventForms) as StaffEvent[];

/** Statuses a refused or merely re-shown form may get: a 303 only to the sign-in page. */
const refusals = new Set([200, 303, 400, 403, 404, 409, 413, 415, 422]);

interface FormRequest {
  label: string;
  method: string;
  path: string;
  caller: Caller;
  pairs?: Pair[];
  raw?: { body: string; headers: Record<string, string> };
  /** Statuses this request must get, when its poison decides it whatever else is wrong. */
  expect?: number[];
}

describe(`staff forms fuzz (${fuzzMode})`, () => {
  const tmp = tempDir();
  const dbPath = `${tmp.dir}/rj.sqlite`;
  let app: TestApp;
  let staff: CheapStaff;
  let digests: TableDigests;
  let baseline: Map<string, string>;
  const cookies = {} as Record<Caller, string | undefined>;
  const csrf = {} as Record<Caller, string>;
  const cases = {} as Record<CaseKey, string>;
  const versions = {} as Record<CaseKey, number>;
  /** Each event form's fields on each case, as the registry builds them for the page. */
  const formFields = {} as Record<CaseKey, Record<StaffEvent, Field[]>>;
  let supervisionForm: Field[];
  let sent = 0;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    app = await startApp(dbPath);
    staff = await addCheapStaff(app);
    const f = staff.facilitator.token;
    const s = staff.supervisor.token;
    const client = (id: string) => caseClient(app, id);
    const referral = async () => {
      const created = await app.request('POST', '/api/cases', { token: s, body: sampleReferral() });
      if (created.status !== 201) throw new Error(JSON.stringify(created.body));
      return created.body.case.id as string;
    };

    cases.referral = await referral();
    cases.consent = await openCase(app, staff);
    await client(cases.consent).ok(f, { type: 'INVITE_VICTIM' });
    const risk = client(await openCase(app, staff));
    await consentBoth(risk, f);
    await risk.ok(f, { type: 'SUBMIT_RISK_ASSESSMENT', level: 'high', factors: { safety: 'threats made' }, directContactAllowed: false });
    cases.riskApproval = risk.id;
    const prep = client(await openCase(app, staff));
    await consentBoth(prep, f);
    await lowRisk(prep, f);
    cases.preparation = prep.id;
    const conf = client(await openCase(app, staff));
    await consentBoth(conf, f);
    await lowRisk(conf, f);
    await conf.ok(f, { type: 'CHOOSE_PROCESS', process: 'conference' });
    await prepareBoth(conf, f);
    await conf.ok(f, { type: 'ADD_SUPPORTER', party: 'victim', name: 'Sam Supporter' });
    await conf.ok(f, { type: 'SCHEDULE_CONFERENCE', startsAt: '2026-12-10T10:00:00Z', venue: 'Town hall' });
    cases.conference = conf.id;
    const follow = client(await openCase(app, staff));
    await consentBoth(follow, f);
    await lowRisk(follow, f);
    await follow.ok(f, { type: 'CHOOSE_PROCESS', process: 'conference' });
    await prepareBoth(follow, f);
    await follow.ok(f, { type: 'SCHEDULE_CONFERENCE', startsAt: '2026-12-10T10:00:00Z', venue: 'Town hall' });
    await follow.ok(f, { type: 'RECORD_OUTCOME', heldAt: '2026-11-23T08:00:00Z', attendees: ['victim', 'offender'], agreement: [{ action: 'Write a letter', owner: 'offender', dueDate: '2026-12-20' }] });
    cases.followUp = follow.id;
    // Closed with the facilitator still on it, so its refusals come from the chart, not from not seeing it.
    const closed = client(await openCase(app, staff));
    await closed.ok(f, { type: 'INVITE_VICTIM' });
    await closed.ok(f, { type: 'VICTIM_RESPONDED', response: 'no' });
    await closed.ok(s, { type: 'APPROVE_CLOSURE' });
    cases.closed = closed.id;

    const supervisorCaller = staffCaller((await app.services.store.userById(staff.supervisor.id))!);
    const facilitators = await app.services.store.activeFacilitators();
    for (const key of caseKeys) {
      const record = (await app.services.store.caseById(cases[key]))!;
      versions[key] = record.version;
      const view = app.services.engine.present(record, supervisorCaller)!;
      const ctx = { view, facilitators, tasks: taskViews(await app.services.store.openTasks(record.id)) };
      formFields[key] = Object.fromEntries(staffEvents.map((type) => [type, eventForms[type].fields(ctx)])) as Record<StaffEvent, Field[]>;
    }
    supervisionForm = supervisionFields(facilitators);

    // Each caller signs in through the form; the disabled supervisor is disabled after signing in.
    for (const caller of [...signedInCallers, 'disabled'] as const) {
      const session = await signInSession(app, staff[caller].email);
      cookies[caller] = session.cookie;
      csrf[caller] = session.csrf;
    }
    disableUser(app, staff.disabled.id);
    cookies.anonymous = undefined;
    cookies.forged = `rj_session=${randomBytes(32).toString('base64url')}`;
    csrf.anonymous = randomBytes(32).toString('base64url');
    csrf.forged = randomBytes(32).toString('base64url');

    digests = tableDigests(dbPath);
    baseline = digests.take();
  });

  afterAll(async () => {
    digests?.close();
    await app?.stop();
    tmp.remove();
  });

  // ---------- forms as a browser would fill them, then one thing broken ----------

  /** A plausible answer for every field, as the page's inputs would send it. */
  function filled(fields: Field[], prefix: (string | number)[] = []): Pair[] {
    return fields.flatMap((field): Pair[] => {
      const path = [...prefix, field.name];
      const name = htmlName(path);
      switch (field.kind) {
        case 'text':
          return [pair(name, 'Fuzzed text')];
        case 'email':
          return [pair(name, 'someone@example.org')];
        case 'textarea':
          return [pair(name, 'A note written by the fuzzer')];
        case 'hidden':
          return [pair(name, field.value ?? '')];
        case 'radios': {
          const first = field.options[0];
          if (!first) return [];
          return [pair(name, field.boolean ? 'yes' : first.value), ...filled(field.reveals?.[first.value] ?? [], prefix)];
        }
        case 'checkboxes':
          return field.options[0] ? [pair(name, field.options[0].value)] : [];
        case 'date':
          return [pair(`${name}-day`, '1'), pair(`${name}-month`, '12'), pair(`${name}-year`, '2026')];
        case 'datetime':
          return [pair(`${name}-day`, '1'), pair(`${name}-month`, '12'), pair(`${name}-year`, '2026'), pair(`${name}-hour`, '10'), pair(`${name}-minute`, '0')];
        case 'group':
          return filled(field.fields, path);
        case 'list':
          return filled(field.fields, [...path, 0]);
        default:
          // A kind of field these forms do not have (a password is an account form's).
          return [];
      }
    });
  }

  /** A field whose value no schema takes, and the keys it sets. */
  interface Broken {
    how: string;
    set: Pair[];
    keys: string[];
  }
  const notAnOption = (value: string) =>
    fc.oneof(
      fc.constantFrom(...prototypeWords),
      fc.constantFrom(value.toUpperCase(), ` ${value}`, `${value} `, `${value}\u0000`, `${value}s`, value.replace(/[_-]/g, ' '), `${value}\u200b`),
      unicodeString.filter((v) => !/^[a-z0-9_-]*$/.test(v)),
    ).filter((v) => v !== value);
  const badEmail = fc.constantFrom('not-an-email', 'a@', '@example.org', 'a b@example.org', 'a@@example.org', '<a@example.org>', 'a@example.org,b@example.org', 'a@example.org\u0000');
  const badDay = fc.constantFrom<[string, string, string]>(['31', '2', '2027'], ['30', '2', '2027'], ['0', '1', '2027'], ['1', '13', '2027'], ['x', '1', '2027'], ['1', '1', '27'], ['1', '1', '20277'], ['1.5', '1', '2027'], ['-1', '1', '2027'], ['１', '1', '2027'], ['1', '1', '２０２７']);

  /**
   * Ways to break one field, each certain to be refused: a required answer missing or blank, an
   * option the form does not have, text longer than any field takes, a date or time that is not one.
   * A field inside a group sent only when answered, or with a default, is only ever given a bad value.
   */
  function breakings(fields: Field[], prefix: (string | number)[] = [], inOptionalGroup = false): fc.Arbitrary<Broken>[] {
    return fields.flatMap((field): fc.Arbitrary<Broken>[] => {
      const path = [...prefix, field.name];
      const name = htmlName(path);
      const required = !field.optional && !inOptionalGroup;
      const at = (how: string, set: Pair[], keys = [name]): Broken => ({ how: `${how} at ${name}`, set, keys });
      switch (field.kind) {
        case 'text':
        case 'email':
        case 'textarea': {
          const out: fc.Arbitrary<Broken>[] = [tooLong.map((v) => at(`text of ${v.length}`, [pair(name, v)]))];
          if (required) out.push(blank.map((v) => at('blank', [pair(name, v)])), fc.constant(at('missing', [])));
          if (field.kind === 'email') out.push(badEmail.map((v) => at('bad email', [pair(name, v)])));
          return out;
        }
        case 'hidden':
          return [];
        case 'radios': {
          const out: fc.Arbitrary<Broken>[] = [];
          if (!field.boolean && field.options.length) out.push(fc.constantFrom(...field.options).chain((o) => notAnOption(o.value)).map((v) => at(`option ${JSON.stringify(v)}`, [pair(name, v)])));
          if (required) out.push(fc.constant(at('missing', [])), fc.constant(at('empty', [pair(name, '')])));
          // What the first option reveals can be broken too (the form is filled with the first option).
          const revealed = field.options[0] && field.reveals?.[field.options[0].value];
          if (revealed) out.push(...breakings(revealed, prefix, inOptionalGroup));
          return out;
        }
        case 'checkboxes':
          return required ? [fc.constant(at('none chosen', []))] : [];
        case 'date':
        case 'datetime': {
          const parts = field.kind === 'date' ? ['day', 'month', 'year'] : ['day', 'month', 'year', 'hour', 'minute'];
          const keys = parts.map((p) => `${name}-${p}`);
          const time = field.kind === 'datetime' ? [pair(`${name}-hour`, '10'), pair(`${name}-minute`, '0')] : [];
          const out: fc.Arbitrary<Broken>[] = [
            badDay.map(([d, m, y]) => at(`date ${d}/${m}/${y}`, [pair(`${name}-day`, d), pair(`${name}-month`, m), pair(`${name}-year`, y), ...time], keys)),
            fc.constantFrom('day', 'month', 'year').map((gone) => at(`date without its ${gone}`, [...['day', 'month', 'year'].filter((p) => p !== gone).map((p) => pair(`${name}-${p}`, p === 'year' ? '2027' : '1')), ...time], keys)),
          ];
          if (field.kind === 'datetime') {
            const date = [pair(`${name}-day`, '1'), pair(`${name}-month`, '12'), pair(`${name}-year`, '2026')];
            out.push(
              fc.constantFrom<[string, string]>(['24', '0'], ['10', '60'], ['x', '0'], ['', '30'], ['-1', '0'], ['10', '5.5']).map(([h, m]) => at(`time ${h}:${m}`, [...date, pair(`${name}-hour`, h), pair(`${name}-minute`, m)], keys)),
              fc.constant(at('a time without a date', [pair(`${name}-hour`, '10'), pair(`${name}-minute`, '0')], keys)),
            );
          }
          if (required) out.push(fc.constant(at('no date', [], keys)));
          return out;
        }
        case 'group':
          return breakings(field.fields, path, inOptionalGroup || field.whenAnswered === true || field.optional === true);
        case 'list':
          return breakings(field.fields, [...path, 0], false).map((b) => b.map((x) => ({ ...x, how: `${x.how} (a row of ${field.name})` })));
        default:
          return [];
      }
    });
  }

  /** The form filled, with one field replaced by its breaking. */
  const applyBroken = (form: Pair[], broken: Broken): Pair[] => [...form.filter((p) => !('key' in p) || !broken.keys.includes(p.key)), ...broken.set];

  /** Anti-forgery values that are not this session's token. */
  const badCsrf = (caller: SignedInCaller): fc.Arbitrary<{ how: string; pairs: Pair[] }> => {
    const mine = () => csrf[caller];
    const other = () => csrf[caller === 'supervisor' ? 'facilitator' : 'supervisor'];
    return fc.oneof<fc.Arbitrary<{ how: string; pairs: Pair[] }>[]>(
      fc.constant({ how: 'no token', pairs: [] }),
      fc.constant({ how: 'empty token', pairs: [pair('_csrf', '')] }),
      fc.constant({ how: 'another session’s token', pairs: [pair('_csrf', other())] }),
      fc.constant({ how: 'the disabled session’s token', pairs: [pair('_csrf', csrf.disabled)] }),
      fc.constant({ how: 'its token twice', pairs: [pair('_csrf', mine()), pair('_csrf', mine())] }),
      fc.constant({ how: 'its token and another', pairs: [pair('_csrf', mine()), pair('_csrf', other())] }),
      fc.constantFrom('[]', '[0]', '[x]').map((s) => ({ how: `its token as _csrf${s}`, pairs: [pair(`_csrf${s}`, mine())] })),
      fc.constantFrom('_CSRF', 'csrf', '_csrf ', ' _csrf', '_csrf\u0000').map((k) => ({ how: `its token as ${JSON.stringify(k)}`, pairs: [pair(k, mine())] })),
      fc
        .constantFrom<[string, (t: string) => string]>(
          ['truncated', (t) => t.slice(0, -1)],
          ['extended', (t) => `${t}x`],
          ['upper-cased', (t) => t.toUpperCase()],
          ['padded', (t) => ` ${t} `],
          ['one character changed', (t) => (t[0] === 'A' ? 'B' : 'A') + t.slice(1)],
          ['with a NUL', (t) => `${t}\u0000`],
        )
        .map(([how, f]) => ({ how: `its token ${how}`, pairs: [pair('_csrf', f(mine()))] })),
      fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((t) => ({ how: 'a random token', pairs: [pair('_csrf', t)] })),
      junkValue.map((t) => ({ how: 'a junk token', pairs: [pair('_csrf', t)] })),
      fc.constant({ how: 'its token raw-encoded wrongly', pairs: [{ raw: `_csrf=${encodeComponent(mine()).slice(0, 20)}%ZZ` }] }),
    );
  };

  // Who may do what, to pick callers the poison needs.
  const mayWork: SignedInCaller[] = ['facilitator', 'supervisor', 'supervisor2'];
  const outsiders: SignedInCaller[] = ['facilitator2', 'admin'];
  const notSignedIn: Caller[] = ['anonymous', 'forged', 'disabled'];

  type Target = { path: string; label: string; form: Pair[]; breaks: fc.Arbitrary<Broken>[]; may: SignedInCaller[]; mayNot: SignedInCaller[]; event?: CaseKey };

  const eventTarget = (key: CaseKey, type: StaffEvent): Target => ({
    path: `/cases/${cases[key]}/events/${type}`,
    label: `${type} on ${key}`,
    form: [pair('version', String(versions[key])), pair('idempotencyKey', randomUUID()), ...filled(formFields[key][type])],
    breaks: breakings(formFields[key][type]),
    may: mayWork,
    mayNot: outsiders,
    event: key,
  });
  const referralTarget = (): Target => ({
    path: '/cases/new',
    label: 'new referral',
    form: [pair('idempotencyKey', randomUUID()), ...filled(referralFields)],
    breaks: breakings(referralFields),
    may: ['facilitator', 'facilitator2', 'supervisor', 'supervisor2'],
    mayNot: ['admin'],
  });
  const supervisionTarget = (): Target => ({
    path: '/supervision/new',
    label: 'supervision session',
    form: filled(supervisionForm),
    breaks: breakings(supervisionForm),
    may: ['supervisor', 'supervisor2'],
    mayNot: ['facilitator', 'facilitator2', 'admin'],
  });

  /**
   * A user's own account and the admins' forms. A well-formed post to one of these may do what it is for
   * (disable a user, end a session), so they get only the poisons that stop any form: a broken token, no
   * one signed in, or (for the admins' forms) someone who is not an admin.
   */
  const accountTarget = (): fc.Arbitrary<Target> =>
    fc
      .constantFrom<[string, Pair[], boolean]>(
        ['/account/password', [pair('currentPassword', cheapPassword), pair('newPassword', 'another long passphrase')], false],
        ['/account/sessions/end', [pair('session', 'x'.repeat(64))], false],
        ['/account/tokens/new', [pair('label', 'fuzz')], false],
        [`/account/tokens/${randomUUID()}/revoke`, [], false],
        ['/account/two-factor', [pair('pending', 'x'), pair('code', '123456')], false],
        ['/admin/users/new', [pair('email', 'new.user@test.rj.local'), pair('name', 'New User'), pair('role', 'facilitator')], true],
        [`/admin/users/${staff.facilitator2.id}/disable`, [], true],
        [`/admin/users/${staff.facilitator2.id}/reset-two-factor`, [], true],
      )
      .map(([path, form, admins]) => ({
        path,
        label: path.replace(/[0-9a-f-]{36}/, ':id'),
        form,
        breaks: [],
        may: admins ? ['admin'] : [...signedInCallers],
        mayNot: admins ? ['facilitator', 'facilitator2', 'supervisor', 'supervisor2'] : [],
      }));

  const target: fc.Arbitrary<Target> = fc.oneof(
    { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...caseKeys), fc.constantFrom(...staffEvents)).map(([key, type]) => eventTarget(key, type)) },
    { weight: 1, arbitrary: fc.constant(null).map(referralTarget) },
    { weight: 1, arbitrary: fc.constant(null).map(supervisionTarget) },
    { weight: 1, arbitrary: fc.constant(null).chain(accountTarget) },
  );

  const junkCaseId = fc.oneof(
    fc.uuid(),
    fc.constantFrom(...prototypeWords, '..', '%2e%2e', '%00', 'null', 'undefined', '1', 'new', "1' OR '1'='1", '%27%20OR%201%3D1--', 'RJ-2026-000001'),
    fc.string({ minLength: 1, maxLength: 60 }).map(encodeComponent),
    fc.integer({ min: 200, max: 4000 }).map((n) => 'a'.repeat(n)),
  );
  const decoded = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const junkType = fc.oneof(
    fc.constantFrom(...prototypeWords),
    fc.constantFrom(...eventTypes.filter((t) => !isStaffEvent(t))),
    fc.constantFrom(...staffEvents).map((t) => t.toLowerCase()),
    fc.constantFrom(...staffEvents).chain((t) => fc.constantFrom(`${t}%00`, `${t}%20`, `%20${t}`, t.replace(/_/g, '-'), `${t}s`, encodeComponent(`${t}\u200b`))),
    fc.string({ minLength: 1, maxLength: 40 }).map(encodeComponent),
  ).filter((t) => !(staffEvents as string[]).includes(decoded(t)));
  /** A version the engine cannot match: the form's own is the case's, so anything else is stale. */
  const staleVersion = (current: number) =>
    fc.oneof(fc.integer({ min: -5, max: 10_000 }).map(String), fc.constantFrom('abc', '1e400', 'NaN', 'Infinity', '-0', '⑤', 'null'), junkValue).filter((v) => v !== '' && Number(v) !== current);

  /** One POST with exactly one poison that decides it, and noise around it. */
  const poisoned: fc.Arbitrary<FormRequest> = target.chain((t) => {
    const base = (caller: Caller, form: Pair[], keep: string[], label: string, expect?: number[], path = t.path): fc.Arbitrary<FormRequest> =>
      noisy(form, new Set(['_csrf', 'version', ...keep])).map(({ pairs, how }) => ({
        label: `${label}${how.length ? ` + ${how.join(', ')}` : ''}`,
        method: 'POST',
        path,
        caller,
        pairs,
        ...(expect ? { expect } : {}),
      }));
    const withToken = (caller: Caller, form: Pair[]) => [pair('_csrf', csrf[caller]), ...form];
    const poisons: fc.Arbitrary<FormRequest>[] = [
      // The anti-forgery token: 403 whatever the rest says (or 413 when the noise made the body too big).
      fc.constantFrom(...signedInCallers).chain((caller) =>
        badCsrf(caller).chain(({ how, pairs }) => base(caller, [...pairs, ...t.form], [], `${t.label} by ${caller}, ${how}`, [403, 413])),
      ),
      // Not signed in (no cookie, a forged one, a disabled user's): sent to sign in; setting up two-factor
      // sign-in is open before sign-in is complete, so there the token is refused instead.
      fc.constantFrom(...notSignedIn).chain((caller) => base(caller, withToken(caller, t.form), [], `${t.label} by ${caller}`, t.path === '/account/two-factor' ? [403, 413] : [303, 413])),
      // Signed in, but not someone who may.
      ...(t.mayNot.length ? [fc.constantFrom(...t.mayNot).chain((caller) => base(caller, withToken(caller, t.form), [], `${t.label} by ${caller}`, t.event ? [404, 413] : [403, 413]))] : []),
      // One field broken.
      ...t.breaks.map((b) =>
        fc.tuple(b, fc.constantFrom(...t.may)).chain(([broken, caller]) => base(caller, withToken(caller, applyBroken(t.form, broken)), broken.keys, `${t.label} by ${caller}, ${broken.how}`)),
      ),
    ];
    if (t.event) {
      const key = t.event;
      const type = t.path.split('/').at(-1)!;
      poisons.push(
        fc.tuple(staleVersion(versions[key]), fc.constantFrom(...t.may)).chain(([v, caller]) =>
          base(caller, withToken(caller, [pair('version', v), ...t.form.filter((p) => !('key' in p) || p.key !== 'version')]), [], `${t.label} by ${caller}, version ${JSON.stringify(v).slice(0, 40)}`),
        ),
        fc.tuple(junkCaseId, fc.constantFrom(...t.may)).chain(([id, caller]) => base(caller, withToken(caller, t.form), [], `${type} to case ${id.slice(0, 60)} by ${caller}`, [400, 404, 413], `/cases/${id}/events/${type}`)),
        fc.tuple(junkType, fc.constantFrom(...t.may)).chain(([junk, caller]) =>
          base(caller, withToken(caller, t.form), [], `type ${junk.slice(0, 60)} on ${key} by ${caller}`, [400, 404, 413], `/cases/${cases[key]}/events/${junk}`),
        ),
      );
      if (key !== 'closed') {
        poisons.push(fc.constantFrom(...t.may).chain((caller) => base(caller, withToken(caller, t.form), [], `${type} on the closed case by ${caller}`, [200, 403, 409, 413, 422], `/cases/${cases.closed}/events/${type}`)));
      }
    }
    return fc.oneof(...poisons);
  });

  /** Sign-out: its token broken, or nobody signed in (a valid token would end the session). */
  const signOut: fc.Arbitrary<FormRequest> = fc.oneof(
    fc.constantFrom(...signedInCallers).chain((caller) =>
      badCsrf(caller).chain(({ how, pairs }) => noisy(pairs, new Set(['_csrf'])).map((n) => ({ label: `sign-out by ${caller}, ${how}`, method: 'POST', path: '/sign-out', caller, pairs: n.pairs, expect: [403, 413] }))),
    ),
    fc.constantFrom(...notSignedIn).map((caller) => ({ label: `sign-out by ${caller}`, method: 'POST', path: '/sign-out', caller, pairs: [pair('_csrf', csrf[caller])], expect: [303] })),
  );

  /** A form sent with the wrong type, encoding, size or number of fields: refused before any handler. */
  const oddForm: fc.Arbitrary<FormRequest> = fc.tuple(target, fc.constantFrom(...signedInCallers)).chain(([t, caller]) =>
    // A wrong token too: a body the parser does read is still refused, so only the parser's answer is new here.
    oddBodies(encodeForm([pair('_csrf', csrf.forged), ...t.form])).map(({ how, body, headers }) => ({ label: `${t.label} by ${caller}, ${how}`, method: 'POST', path: t.path, caller, raw: { body, headers } })),
  );

  /** Methods no staff route takes. */
  const otherMethod: fc.Arbitrary<FormRequest> = fc.tuple(target, fc.constantFrom('PUT', 'PATCH', 'DELETE'), fc.constantFrom<Caller>(...signedInCallers, 'anonymous')).map(([t, method, caller]) => ({
    label: `${method} ${t.label} by ${caller}`,
    method,
    path: t.path,
    caller,
    pairs: [pair('_csrf', csrf[caller]), ...t.form],
    // The admins' pages refuse anyone else before looking for a route.
    expect: caller === 'anonymous' ? [303] : t.path.startsWith('/admin') && caller !== 'admin' ? [403] : [404],
  }));

  // ---------- sending and checking ----------

  let firstFailure: string | undefined;
  /**
   * Sends one request and checks it: a clean answer, the status its poison decides, and no write
   * to any table but those `mayWrite` names for the status it got.
   */
  async function check(req: FormRequest, options: { mayWrite?: (status: number) => readonly string[]; redirect?: RegExp } = {}) {
    const cookie = cookies[req.caller];
    const body = req.raw?.body ?? (req.pairs ? encodeForm(req.pairs) : undefined);
    const views = digests.count('case_views');
    const answer = await send(app.baseUrl, req.method, req.path, {
      ...(body !== undefined ? { body } : {}),
      headers: { ...(cookie ? { cookie } : {}), ...req.raw?.headers },
    });
    sent++;
    statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    const prefix = firstFailure ? `(after an earlier failure: ${firstFailure}) ` : '';
    const label = `${prefix}${req.label} (${req.method} ${req.path.slice(0, 120)})`;
    const after = digests.take();
    try {
      expectCleanRefusal(answer, refusals, label);
      // A refused form sends a visitor to sign in, never on to a page as a saved one would.
      if (answer.status === 303) expect(answer.location ?? '', `${label}: redirected`).toMatch(options.redirect ?? /^\/sign-in(\?|$)/);
      if (req.expect) expect(req.expect, `${label} → ${answer.status} ${answer.text.replace(/\s+/g, ' ').slice(0, 200)}`).toContain(answer.status);
      const mayWrite = options.mayWrite?.(answer.status) ?? [];
      expectOnlyWrites(baseline, after, mayWrite, label);
      if (mayWrite.includes('case_views')) expect(digests.count('case_views') - views, `${label}: views logged`).toBeLessThanOrEqual(1);
    } catch (err) {
      firstFailure ??= label.slice(0, 600);
      throw err;
    } finally {
      // A permitted write (a view logged) becomes the baseline for the next request.
      baseline = after;
    }
    return answer;
  }

  // Shapes of request the fuzz found answered with a 500, kept as plain tests so that they fail the same way every run.
  it('an event type named after an Object.prototype property is no form: 404, not a 500', async () => {
    for (const type of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      for (const method of ['GET', 'POST']) {
        const answer = await send(app.baseUrl, method, `/cases/${cases.consent}/events/${type}`, {
          ...(method === 'POST' ? { body: encodeForm([pair('_csrf', csrf.facilitator), pair('text', 'a note')]) } : {}),
          headers: { cookie: cookies.facilitator! },
        });
        expect(answer.status, `${method} /cases/:id/events/${type}`).toBe(404);
      }
    }
    expect(changedTables(baseline, digests.take())).toEqual([]);
  });

  it('a radio answered with the name of an Object.prototype property is an answer to fix: 422, not a 500', async () => {
    for (const response of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const answer = await send(app.baseUrl, 'POST', `/cases/${cases.consent}/events/VICTIM_RESPONDED`, {
        body: encodeForm([pair('_csrf', csrf.facilitator), pair('version', String(versions.consent)), pair('response', response)]),
        headers: { cookie: cookies.facilitator! },
      });
      expect(answer.status, `response=${response}`).toBe(422);
    }
    expect(changedTables(baseline, digests.take())).toEqual([]);
  });

  it('a form a signed-in user sends as something other than a form (setting up two-factor sign-in) is refused: a 4xx, not a 500', async () => {
    const form = encodeForm([pair('_csrf', csrf.admin), pair('pending', 'x'), pair('code', '123456')]);
    for (const [type, body] of [['application/json', JSON.stringify({ _csrf: csrf.admin })], ['text/plain', form], [undefined, undefined]] as const) {
      const res = await fetch(`${app.baseUrl}/account/two-factor`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: cookies.admin!, ...(type ? { 'content-type': type } : {}) },
        ...(body !== undefined ? { body } : {}),
      });
      expect(res.status, `POST /account/two-factor as ${type ?? 'nothing'}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `POST /account/two-factor as ${type ?? 'nothing'}`).toBeLessThan(500);
    }
    expect(changedTables(baseline, digests.take())).toEqual([]);
  });

  it('posts to every event form, the new referral, the supervision form, the account’s and the admins’ forms, each with one thing that must stop it: refused, nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(poisoned, async (req) => void (await check(req))),
      fuzzOptions(fuzzRuns(400, 8_000)),
    );
  }, fuzzTimeout);

  it('sign-out without its token, bodies of the wrong type, size or encoding, and methods no route takes: refused, nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 3, arbitrary: oddForm }, { weight: 1, arbitrary: signOut }, { weight: 1, arbitrary: otherMethod }), async (req) => void (await check(req))),
      fuzzOptions(fuzzRuns(80, 1_200)),
    );
  }, fuzzTimeout);

  it('GET pages with junk queries, ids and event types: no 5xx, and nothing written but the view a case page logs', async () => {
    const query = fc
      .array(
        fc.oneof(
          fc.tuple(fc.constantFrom('stage', 'q', 'sort', 'queue', 'facilitator', 'page', 'show', 'check', 'from', 'to', 'returnTo', 'signedOut', 'itemId', 'taskId', 'party', 'from-day', 'from-month', 'from-year', 'to-day', 'to-month', 'to-year', 'quarter'), junkValue.filter((v) => v.length < 3000)).map(([k, v]) => pair(k, v)),
          fc.tuple(fc.constantFrom('stage[]', 'page[]', 'queue[0]', 'show[]', '__proto__', 'constructor', 'toString', 'hasOwnProperty'), junkValue.filter((v) => v.length < 300)).map(([k, v]) => pair(k, v)),
          rawFragment.map((raw) => ({ raw })),
        ),
        { maxLength: 5 },
      )
      .map((pairs) => (pairs.length ? `?${encodeForm(pairs)}` : ''));
    const someCase = fc.constantFrom(...caseKeys).map((k) => cases[k]);
    const id = fc.oneof({ weight: 3, arbitrary: someCase }, { weight: 1, arbitrary: junkCaseId });
    const path = fc.oneof(
      fc.constantFrom('/', '/cases', '/reports', '/cases/new', '/supervision/new', '/sign-in'),
      fc.constantFrom('funnel', 'closures', 'nope', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '..%2f..%2fpackage.json', 'funnel.CSV', '').map((t) => `/reports/${t}.csv`),
      fc.tuple(id, fc.constantFrom('', '/history', '/history.csv', '/history.json', '/history.xml')).map(([c, suffix]) => `/cases/${c}${suffix}`),
      fc.tuple(id, fc.oneof(fc.constantFrom(...staffEvents), junkType)).map(([c, type]) => `/cases/${c}/events/${type}`),
    );
    const viewLogged = /^\/cases\/[^/]+(\/history(\.csv|\.json)?)?$/;
    await fc.assert(
      fc.asyncProperty(path, query, fc.constantFrom<Caller>(...signedInCallers, 'anonymous', 'disabled'), async (p, q, caller) => {
        // Opening a case page, its history or an export logs one view; nothing else a GET does writes.
        await check(
          { label: `GET by ${caller}`, method: 'GET', path: p + q, caller },
          // Signed in, /sign-in sends on to its returnTo: only ever a path on this site.
          { mayWrite: (status) => (status === 200 && viewLogged.test(p) ? ['case_views'] : []), redirect: /^\/(?![/\\])/ },
        );
      }),
      fuzzOptions(fuzzRuns(150, 2_000)),
    );
  }, fuzzTimeout);

  it('after all of it: every kind of refusal was reached, nothing was polluted, and the forms still work', async () => {
    expect(sent).toBeGreaterThanOrEqual(fuzzRuns(400, 8_000) + fuzzRuns(80, 1_200) + fuzzRuns(150, 2_000));
    for (const status of [303, 403, 404, 409, 413, 422]) expect(statuses.get(status) ?? 0, `status ${status} in ${JSON.stringify([...statuses])}`).toBeGreaterThan(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(changedTables(baseline, digests.take())).toEqual([]);
    // The same session and token still record a note: the refusals were not because everything is refused.
    const note = await send(app.baseUrl, 'POST', `/cases/${cases.consent}/events/ADD_NOTE`, {
      body: encodeForm([pair('_csrf', csrf.facilitator), pair('version', String(versions.consent)), pair('text', 'still working')]),
      headers: { cookie: cookies.facilitator! },
    });
    expect(note.status, note.text.slice(0, 300)).toBe(303);
    expect(changedTables(baseline, digests.take())).toContain('history');
  });
});
