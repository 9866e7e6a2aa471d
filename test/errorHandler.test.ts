import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../src/errorHandler.js';
import { createLogger } from '../src/logger.js';

const secret = 'database password is hunter2 at /srv/app/secret.ts:12';
const generic = 'Something went wrong on our side. Nothing was changed; please try again.';

/** A real express app whose routes fail in the ways the API's routes can, behind the real error handler. */
describe('errorHandler', () => {
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    const app = express();
    app.use(express.json({ limit: '1kb' }));
    app.get('/plain', () => {
      throw new Error(secret);
    });
    app.get('/async', async () => {
      await Promise.resolve();
      throw new TypeError(secret);
    });
    app.get('/not-found', () => {
      throw Object.assign(new Error(secret), { status: 404 });
    });
    app.get('/conflict', () => {
      throw Object.assign(new Error(secret), { status: 409 });
    });
    app.get('/unavailable', () => {
      throw Object.assign(new Error(secret), { status: 503 });
    });
    app.get('/thrown-string', () => {
      throw Object.assign(new Error(secret), { status: 'teapot' });
    });
    app.get('/after-headers', (_req, res, next) => {
      res.status(200).write('partial');
      next(new Error(secret));
    });
    app.post('/echo', (req, res) => void res.json(req.body));
    app.use(errorHandler(createLogger('silent')));
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(baseUrl + path, init);
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', text };
  };

  /** Nothing of the error itself reaches the client: not its message, its name, nor a stack frame. */
  const expectNothingLeaked = (text: string) => {
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('secret.ts');
    expect(text).not.toMatch(/\bat .+:\d+:\d+/);
    expect(text).not.toMatch(/TypeError|Error:/);
    expect(text).not.toContain('node_modules');
  };

  it.each(['/plain', '/async', '/unavailable', '/thrown-string'])('%s: a 500 with a generic JSON message and no detail', async (path) => {
    const r = await call(path);
    expect(r.status).toBe(500);
    expect(r.type).toMatch(/^application\/json/);
    expect(JSON.parse(r.text)).toEqual({ error: generic });
    expectNothingLeaked(r.text);
  });

  it.each([
    ['/not-found', 404],
    ['/conflict', 409],
  ])('%s: an error carrying a 4xx status keeps it, without its message', async (path, status) => {
    const r = await call(path);
    expect(r.status).toBe(status);
    expect(JSON.parse(r.text)).toEqual({ error: 'The request could not be read.' });
    expectNothingLeaked(r.text);
  });

  it('a body-parser error keeps its 4xx and explains it plainly', async () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      call('/echo', { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

    const malformed = await post('{"type": "ADD_NOTE",');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.text)).toEqual({ error: 'The body is not valid JSON.' });
    expectNothingLeaked(malformed.text);
    // body-parser's own message quotes the input and the parser's position; none of it is echoed.
    expect(malformed.text).not.toMatch(/Unexpected|position|ADD_NOTE/);

    const large = await post(JSON.stringify({ text: 'x'.repeat(2000) }));
    expect(large.status).toBe(413);
    expect(JSON.parse(large.text)).toEqual({ error: 'The body is too large.' });

    const charset = await post('{}', { 'content-type': 'application/json; charset=latin1' });
    expect(charset.status).toBe(415);
    expect(JSON.parse(charset.text)).toEqual({ error: 'The body charset is not supported.' });

    const encoding = await post('{}', { 'content-encoding': 'x-unknown' });
    expect(encoding.status).toBe(415);
    expect(JSON.parse(encoding.text)).toEqual({ error: 'The body encoding is not supported.' });

    // And a well-formed body still goes through.
    const ok = await post('{"a":1}');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({ a: 1 });
  });

  it('an error after the response has started ends that response as failed, instead of leaving it hanging', async () => {
    // Express's guidance: once headers are sent, the handler must delegate to the default one, which closes
    // the connection, so the client sees a failed response. A guard keeps a hang from stalling the suite.
    const outcome = await fetch(baseUrl + '/after-headers', { signal: AbortSignal.timeout(2000) })
      .then((res) => res.text())
      .then(
        (text) => ({ kind: 'completed', text }),
        (err: Error) => ({ kind: err.name === 'TimeoutError' ? 'hung' : 'failed', text: err.message }),
      );
    expect(outcome.text).not.toContain('hunter2');
    expect(outcome.kind).toBe('failed');
    // The server is still up.
    expect((await call('/not-found')).status).toBe(404);
  });
});
