import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, openCase, sampleReferral, startApp, tempDir, type Staff, type TestApp } from '../support/harness.js';
import { caseClient, looksLikeStackTrace, types, type CaseClient } from './apiSteps.js';

type Res = { status: number; body: any; headers: Headers };

describe('access control and request errors', () => {
  const tmp = tempDir();
  let app: TestApp;
  let staff: Staff;
  /** Case A is allocated to facilitator 1, case B to facilitator 2; each has its own distinctive details. */
  let a: CaseClient;
  let b: CaseClient;
  let aRef: string;
  let bRef: string;
  /** Every response the tests saw, with the case it concerned, for the leak checks at the end. */
  const seen: { about: 'a' | 'b' | 'none'; label: string; res: Res }[] = [];

  const req = async (about: 'a' | 'b' | 'none', label: string, method: string, path: string, options: Parameters<TestApp['request']>[2] = {}) => {
    const res = await app.request(method, path, options);
    seen.push({ about, label, res });
    return res;
  };

  beforeAll(async () => {
    app = await startApp(`${tmp.dir}/rj.sqlite`);
    staff = await addStaff(app.services);
    a = caseClient(app, await openCase(app, staff, sampleReferral({ victim: { name: 'Alice Aardvark', email: 'alice.aardvark@example.org' } })));
    const created = await app.request('POST', '/api/cases', {
      token: staff.supervisor.token,
      body: sampleReferral({ victim: { name: 'Bertram Bystander', email: 'bertram.bystander@example.org' }, offender: { name: 'Zed Zebra' } }),
    });
    b = caseClient(app, created.body.case.id);
    await b.ok(staff.supervisor.token, { type: 'ACCEPT_REFERRAL', facilitatorIds: [staff.facilitator2.id] });
    aRef = (await a.get(staff.supervisor.token)).reference;
    bRef = (await b.get(staff.supervisor.token)).reference;
  });
  afterAll(async () => {
    await app.stop();
    tmp.remove();
  });

  /** The case's version and history, to prove a refused request changed nothing. */
  const snapshotOf = async (c: CaseClient) => {
    const view = await c.get(staff.supervisor.token);
    const h = await c.history(staff.supervisor.token);
    return { version: view.version, state: view.state, events: h.events, notices: h.notices.length };
  };

  it('a facilitator not allocated to a case gets 404 for it, its history and its events, and does not see it in the list', async () => {
    const before = await snapshotOf(a);
    const f2 = staff.facilitator2.token;
    const missing = await req('none', 'missing case', 'GET', '/api/cases/00000000-0000-4000-8000-000000000000', { token: f2 });
    expect(missing.status).toBe(404);

    const get = await req('a', 'f2 get', 'GET', `/api/cases/${a.id}`, { token: f2 });
    const history = await req('a', 'f2 history', 'GET', `/api/cases/${a.id}/history`, { token: f2 });
    const event = await req('a', 'f2 event', 'POST', `/api/cases/${a.id}/events`, { token: f2, body: { type: 'ADD_NOTE', text: 'peeking' } });
    const invite = await req('a', 'f2 invite', 'POST', `/api/cases/${a.id}/events`, { token: f2, body: { type: 'INVITE_VICTIM' } });
    for (const r of [get, history, event, invite]) {
      expect(r.status).toBe(404);
      // Indistinguishable from a case that does not exist.
      expect(r.body).toEqual(missing.body);
    }

    const list2 = await req('b', 'f2 list', 'GET', '/api/cases', { token: f2 });
    expect(list2.status).toBe(200);
    expect(list2.body.cases.map((c: { id: string }) => c.id)).toEqual([b.id]);
    expect(list2.body.total).toBe(1);
    const consent2 = await req('b', 'f2 list consent', 'GET', '/api/cases?stage=consent', { token: f2 });
    expect(consent2.body.cases.map((c: { id: string }) => c.id)).toEqual([b.id]);

    const list1 = await req('a', 'f1 list', 'GET', '/api/cases', { token: staff.facilitator.token });
    expect(list1.body.cases.map((c: { id: string }) => c.id)).toEqual([a.id]);
    // The supervisor sees both.
    const all = await app.request('GET', '/api/cases', { token: staff.supervisor.token });
    expect(all.body.cases.map((c: { id: string }) => c.id).sort()).toEqual([a.id, b.id].sort());

    expect(await snapshotOf(a)).toEqual(before);
  });

  it('an admin manages users, not cases: 403 on the list, 404 on a case', async () => {
    const before = await snapshotOf(a);
    const token = staff.admin.token;
    expect((await req('none', 'admin list', 'GET', '/api/cases', { token })).status).toBe(403);
    expect((await req('none', 'admin list stage', 'GET', '/api/cases?stage=consent', { token })).status).toBe(403);
    expect((await req('a', 'admin get', 'GET', `/api/cases/${a.id}`, { token })).status).toBe(404);
    expect((await req('a', 'admin history', 'GET', `/api/cases/${a.id}/history`, { token })).status).toBe(404);
    expect((await req('a', 'admin event', 'POST', `/api/cases/${a.id}/events`, { token, body: { type: 'ADD_NOTE', text: 'admin was here' } })).status).toBe(404);
    expect((await req('none', 'admin create', 'POST', '/api/cases', { token, body: sampleReferral() })).status).toBe(403);
    expect(await snapshotOf(a)).toEqual(before);
  });

  it('a facilitator may not send supervisor events: 403', async () => {
    const before = await snapshotOf(a);
    const f = staff.facilitator.token;
    for (const body of [
      { type: 'APPROVE_RISK' },
      { type: 'APPROVE_RISK', note: 'fine' },
      { type: 'REJECT_RISK', decision: 'close', note: 'no' },
      { type: 'APPROVE_CLOSURE' },
      { type: 'REASSIGN', facilitatorIds: [staff.facilitator2.id] },
      { type: 'INVITATION_EXPIRED' },
    ]) {
      const r = await req('a', `f ${body.type}`, 'POST', `/api/cases/${a.id}/events`, { token: f, body });
      expect(r.status, body.type).toBe(403);
      expect(r.body.error).toEqual(expect.any(String));
      expect(r.body.allowedEvents).toEqual((await a.get(f)).allowedEvents);
    }
    expect(await snapshotOf(a)).toEqual(before);
  });

  it('no token or a bad token: 401 with WWW-Authenticate', async () => {
    const before = await snapshotOf(a);
    const attempts: [string, string, Record<string, string>][] = [
      ['GET', '/api/cases', {}],
      ['GET', `/api/cases/${a.id}`, {}],
      ['GET', `/api/cases/${a.id}/history`, {}],
      ['GET', `/api/cases/${a.id}`, { authorization: 'Bearer not-a-real-token-at-all' }],
      ['GET', `/api/cases/${a.id}`, { authorization: `Basic ${Buffer.from('supervisor1@test.rj.local:correct horse battery staple').toString('base64')}` }],
      ['GET', `/api/cases/${a.id}`, { authorization: `Bearer ${staff.supervisor.token}x` }],
      ['GET', `/api/cases/${a.id}`, { authorization: 'Bearer' }],
    ];
    for (const [method, path, headers] of attempts) {
      const r = await req('a', `401 ${path} ${JSON.stringify(headers)}`, method, path, { headers });
      expect(r.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(JSON.stringify(r.body)).not.toContain('Alice');
    }
    for (const headers of [{}, { authorization: 'Bearer not-a-real-token-at-all' }] as Record<string, string>[]) {
      const r = await req('a', '401 post', 'POST', `/api/cases/${a.id}/events`, { headers, body: { type: 'INVITE_VICTIM' } });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect(await snapshotOf(a)).toEqual(before);
  });

  it('malformed JSON is 400 and a body over 64kb is 413', async () => {
    const before = await snapshotOf(a);
    const token = staff.facilitator.token;
    for (const rawBody of ['{"type": "ADD_NOTE", "text": ', '{type: ADD_NOTE}', "{'type':'ADD_NOTE'}", '{"type":"ADD_NOTE","text":"x"}}']) {
      const r = await req('a', `400 ${rawBody}`, 'POST', `/api/cases/${a.id}/events`, { token, rawBody });
      expect(r.status, rawBody).toBe(400);
      expect(r.body).toEqual({ error: expect.any(String) });
    }
    const huge = JSON.stringify({ type: 'ADD_NOTE', text: 'x'.repeat(70 * 1024) });
    const tooLarge = await req('a', '413', 'POST', `/api/cases/${a.id}/events`, { token, rawBody: huge });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toEqual({ error: expect.any(String) });
    // Just under the limit is read (and then refused by the schema: text is at most 10000 characters).
    const underLimit = await req('a', 'under limit', 'POST', `/api/cases/${a.id}/events`, { token, rawBody: JSON.stringify({ type: 'ADD_NOTE', text: 'x'.repeat(60 * 1024) }) });
    expect(underLimit.status).toBe(422);
    expect(await snapshotOf(a)).toEqual(before);
  });

  it('invalid event bodies are 422 with an issue at the offending path', async () => {
    const before = await snapshotOf(a);
    const f = staff.facilitator.token;
    const cases: [string, unknown, string][] = [
      ['unknown event type', { type: 'FLY_TO_THE_MOON' }, 'type'],
      ['no type at all', { text: 'hello' }, 'type'],
      ['type of the wrong kind', { type: ['ADD_NOTE'], text: 'hello' }, 'type'],
      ['lower-case type', { type: 'add_note', text: 'hello' }, 'type'],
      ['missing field', { type: 'RECORD_PREPARATION', party: 'victim' }, 'note'],
      ['missing required field on an empty event', { type: 'ADD_NOTE' }, 'text'],
      ['wrong type', { type: 'SUBMIT_RISK_ASSESSMENT', level: 'low', factors: {}, directContactAllowed: 'yes' }, 'directContactAllowed'],
      ['number instead of enum', { type: 'CHOOSE_PROCESS', process: 7 }, 'process'],
      ['value outside the enum', { type: 'CHOOSE_PROCESS', process: 'telepathy' }, 'process'],
      ['array instead of string', { type: 'ADD_NOTE', text: ['hello'] }, 'text'],
      ['object instead of string', { type: 'ADD_NOTE', text: { value: 'hello' } }, 'text'],
      ['oversized string', { type: 'ADD_NOTE', text: 'x'.repeat(10_001) }, 'text'],
      ['blank string', { type: 'ADD_NOTE', text: '   ' }, 'text'],
      ['bad date', { type: 'VICTIM_RESPONDED', response: 'not_now', reofferAfter: 'next spring' }, 'reofferAfter'],
      ['nested bad date', { type: 'RECORD_OUTCOME', attendees: ['victim'], agreement: [{ action: 'apologise', owner: 'offender', dueDate: 'soon' }] }, 'agreement.0.dueDate'],
      ['high risk with direct contact', { type: 'SUBMIT_RISK_ASSESSMENT', level: 'high', factors: { safety: 'threats' }, directContactAllowed: true }, 'directContactAllowed'],
      ['unknown facilitator', { type: 'REASSIGN', facilitatorIds: ['no-such-user'] }, 'facilitatorIds.0'],
      ['body is an array', [{ type: 'ADD_NOTE', text: 'hello' }], '(body)'],
      ['body is a string', 'ADD_NOTE', '(body)'],
      ['body is null', null, '(body)'],
    ];
    for (const [label, body, path] of cases) {
      const token = label === 'unknown facilitator' ? staff.supervisor.token : f;
      const r = await req('a', label, 'POST', `/api/cases/${a.id}/events`, { token, rawBody: JSON.stringify(body) });
      expect(r.status, `${label}: ${JSON.stringify(r.body)}`).toBe(422);
      expect(r.body.error, label).toEqual(expect.any(String));
      expect(r.body.issues.map((i: { path: string }) => i.path), label).toContain(path);
      for (const issue of r.body.issues) expect(issue.message, label).toEqual(expect.any(String));
    }
    expect(await snapshotOf(a)).toEqual(before);
  });

  it('an unknown extra field is 422 with the issue at that field, not only at the body', async () => {
    const before = await snapshotOf(a);
    const f = staff.facilitator.token;
    const cases: [string, unknown, string][] = [
      ['extra field', { type: 'ADD_NOTE', text: 'hello', colour: 'red' }, 'colour'],
      ['spoofed actor', { type: 'ADD_NOTE', text: 'hello', actor: { kind: 'system', role: 'system' } }, 'actor'],
      ['spoofed time', { type: 'ADD_NOTE', text: 'hello', at: '2020-01-01T00:00:00Z' }, 'at'],
      ['nested extra field', { type: 'RECORD_OUTCOME', attendees: ['victim'], agreement: [{ action: 'apologise', owner: 'offender', dueDate: '2026-12-20', secret: 1 }] }, 'agreement.0.secret'],
    ];
    const found: Record<string, boolean> = {};
    for (const [label, body, path] of cases) {
      const r = await req('a', label, 'POST', `/api/cases/${a.id}/events`, { token: f, body });
      expect(r.status, `${label}: ${JSON.stringify(r.body)}`).toBe(422);
      // The message does name the key; a form needs the path to attach the error to the field.
      expect(JSON.stringify(r.body.issues), label).toContain(path.split('.').at(-1));
      found[`${label} at ${path}`] = r.body.issues.some((i: { path: string }) => i.path === path);
    }
    expect(await snapshotOf(a)).toEqual(before);
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, true])));
  });

  it('bad list queries are 422', async () => {
    const token = staff.supervisor.token;
    for (const query of ['stage=bogus', 'page=0', 'page=-1', 'page=abc', 'page=1.5', 'stage=closing', 'stage=Consent', 'sort=name']) {
      const r = await req('none', `list ${query}`, 'GET', `/api/cases?${query}`, { token });
      expect(r.status, `${query}: ${JSON.stringify(r.body)}`).toBe(422);
      expect(r.body.issues.length, query).toBeGreaterThan(0);
      expect(r.body.cases, query).toBeUndefined();
    }
    const stageIssue = (await app.request('GET', '/api/cases?stage=bogus', { token })).body.issues;
    expect(stageIssue.map((i: { path: string }) => i.path)).toEqual(['stage']);
    const pageIssue = (await app.request('GET', '/api/cases?page=0', { token })).body.issues;
    expect(pageIssue.map((i: { path: string }) => i.path)).toEqual(['page']);
    const ok = await app.request('GET', '/api/cases?stage=consent&page=1', { token });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ page: 1, total: 2 });
    const beyond = await app.request('GET', '/api/cases?page=2', { token });
    expect(beyond.body).toMatchObject({ cases: [], page: 2, total: 2 });
  });

  it('no response carries a stack trace or another case’s data', async () => {
    expect(seen.length).toBeGreaterThan(40);
    const aMarks = [a.id, aRef, 'Alice Aardvark', 'alice.aardvark@example.org'];
    const bMarks = [b.id, bRef, 'Bertram Bystander', 'bertram.bystander@example.org', 'Zed Zebra'];
    for (const { about, label, res } of seen) {
      const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
      expect(looksLikeStackTrace(text), `${label}: ${text.slice(0, 300)}`).toBe(false);
      // Responses about case A never show case B, and vice versa; refusals show neither.
      const foreign = about === 'a' ? bMarks : about === 'b' ? aMarks : [...aMarks, ...bMarks];
      const refused = res.status >= 400;
      for (const mark of refused ? [...aMarks, ...bMarks] : foreign) expect(text.includes(mark), `${label} (${res.status}) leaks ${mark}`).toBe(false);
    }
    // The refused requests left both cases as they were: only the set-up events are in their histories.
    expect(types(await a.history(staff.supervisor.token))).toEqual(['REFERRAL_RECEIVED', 'ACCEPT_REFERRAL']);
    expect(types(await b.history(staff.supervisor.token))).toEqual(['REFERRAL_RECEIVED', 'ACCEPT_REFERRAL']);
  });

  // Runs last: it adds a third case, which the list expectations above do not count.
  it('reassignment moves visibility: the old facilitator gets 404, the new one sees the case', async () => {
    const c = caseClient(app, await openCase(app, staff));
    const f1 = staff.facilitator.token;
    const f2 = staff.facilitator2.token;
    expect((await app.request('GET', `/api/cases/${c.id}`, { token: f2 })).status).toBe(404);
    await c.ok(staff.supervisor.token, { type: 'REASSIGN', facilitatorIds: [staff.facilitator2.id] });
    expect((await app.request('GET', `/api/cases/${c.id}`, { token: f1 })).status).toBe(404);
    expect((await app.request('GET', `/api/cases/${c.id}/history`, { token: f1 })).status).toBe(404);
    expect((await c.send(f1, { type: 'INVITE_VICTIM' })).status).toBe(404);
    expect((await app.request('GET', '/api/cases', { token: f1 })).body.cases.map((x: { id: string }) => x.id)).not.toContain(c.id);
    expect((await c.get(f2)).facilitatorIds).toEqual([staff.facilitator2.id]);
    expect((await app.request('GET', '/api/cases', { token: f2 })).body.cases.map((x: { id: string }) => x.id)).toContain(c.id);
    await c.ok(f2, { type: 'INVITE_VICTIM' });
  });
});
