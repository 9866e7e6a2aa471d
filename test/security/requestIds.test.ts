import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startApp, tempDir, testClock } from '../support/harness.js';

/** The app with its log lines kept in memory, behind `proxies` trusted reverse proxies. */
async function appWithLogs(dbPath: string, proxies: number) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString())), done()) });
  const app = await startApp(dbPath, testClock(), { TRUST_PROXY: String(proxies) }, createLogger('info', sink));
  return { app, lines };
}

describe('request ids', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it("every request gets an id, returned as X-Request-Id and on its log line; a client's own id is not taken", async () => {
    const { app, lines } = await appWithLogs(`${tmp.dir}/direct.sqlite`, 0);
    try {
      const ids = [];
      for (const path of ['/healthz', '/api/me', '/sign-in', '/respond/not-a-token']) {
        const res = await fetch(app.baseUrl + path, { headers: { 'x-request-id': 'chosen-by-the-client' } });
        const id = res.headers.get('x-request-id')!;
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        ids.push(id);
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(lines.filter((l) => l.msg === 'request').map((l) => l.requestId)).toEqual(ids);
      expect(lines.filter((l) => l.msg === 'request').map((l) => l.route)).toEqual(['/healthz', null, '/sign-in', '/respond/:token']);
    } finally {
      await app.stop();
    }
  });

  it("behind a trusted proxy, the proxy's id is kept when it is a plain one", async () => {
    const { app } = await appWithLogs(`${tmp.dir}/proxied.sqlite`, 1);
    try {
      const kept = await fetch(`${app.baseUrl}/healthz`, { headers: { 'x-request-id': 'lb-1234abcd' } });
      expect(kept.headers.get('x-request-id')).toBe('lb-1234abcd');
      const replaced = await fetch(`${app.baseUrl}/healthz`, { headers: { 'x-request-id': 'two words; and more' } });
      expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await app.stop();
    }
  });
});
