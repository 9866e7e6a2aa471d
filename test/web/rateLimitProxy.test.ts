import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, tempDir, type TestApp } from '../support/harness.js';

describe('the /respond rate limit behind a reverse proxy', () => {
  const tmp = tempDir();
  let direct: TestApp;
  let proxied: TestApp;
  beforeAll(async () => {
    direct = await startApp(`${tmp.dir}/direct/rj.sqlite`);
    proxied = await startApp(`${tmp.dir}/proxied/rj.sqlite`, undefined, { TRUST_PROXY: '1' });
  });
  afterAll(async () => {
    await direct.stop();
    await proxied.stop();
    tmp.remove();
  });

  const from = async (app: TestApp, client: string) => {
    const token = app.services.linkTokens.tokenFor(randomUUID());
    return (await fetch(`${app.baseUrl}/respond/${token}`, { headers: { 'x-forwarded-for': client } })).status;
  };

  it('with TRUST_PROXY=1, counts each client the proxy names, so one busy client does not lock out the rest', async () => {
    for (let i = 0; i < 60; i++) expect(await from(proxied, '203.0.113.7')).toBe(404);
    expect(await from(proxied, '203.0.113.7')).toBe(429);
    expect(await from(proxied, '198.51.100.20')).toBe(404);
  });

  it('by default, ignores X-Forwarded-For: a client cannot escape the limit by naming another address', async () => {
    for (let i = 0; i < 60; i++) expect(await from(direct, `203.0.113.${i}`)).toBe(404);
    expect(await from(direct, '198.51.100.20')).toBe(429);
  });
});
