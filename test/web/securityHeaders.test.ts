import { afterAll, describe, expect, it } from 'vitest';
import { startApp, tempDir, withApp } from '../support/harness.js';

const directives = (csp: string) => new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values.join(' ')]));

describe('the security headers', () => {
  const env = withApp();
  const paths = ['/sign-in', '/respond/not-a-token', '/api/me', '/healthz', '/assets/app.css', '/no-such-page', '/dev/mail'];

  it('every response: a nonce-only script policy, nothing may frame the app or change its base, forms post here, no plugins', async () => {
    for (const path of paths) {
      const res = await fetch(env.app.baseUrl + path);
      const csp = directives(res.headers.get('content-security-policy') ?? '');
      expect(csp.get('script-src'), path).toMatch(/^'nonce-[A-Za-z0-9+/]{22}==' 'strict-dynamic'$/);
      expect([csp.get('base-uri'), csp.get('frame-ancestors'), csp.get('form-action'), csp.get('object-src')], path).toEqual(["'none'", "'none'", "'self'", "'none'"]);
      expect(csp.get('default-src'), path).toBe("'self'");
      expect(res.headers.get('x-powered-by'), path).toBeNull();
      expect(res.headers.get('permissions-policy'), path).toContain('camera=(), display-capture=()');
      expect(res.headers.get('permissions-policy'), path).toContain('geolocation=()');
      expect(res.headers.get('strict-transport-security'), path).toBe('max-age=31536000; includeSubDomains');
    }
  });

  it("each page's scripts carry that response's own nonce, new every time", async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${env.app.baseUrl}/sign-in`);
      const nonce = /script-src 'nonce-([^']+)'/.exec(res.headers.get('content-security-policy')!)![1]!;
      const html = await res.text();
      expect([...html.matchAll(/<script[^>]*>/g)].map((m) => m[0])).toEqual([`<script type="module" src="/assets/app.mjs" nonce="${nonce}">`]);
      nonces.add(nonce);
    }
    expect(nonces.size).toBe(3);
  });
});

describe('in development', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('sends no HSTS and asks for no upgrade, as the app is on plain HTTP there', async () => {
    const app = await startApp(`${tmp.dir}/dev.sqlite`, undefined, { NODE_ENV: 'development' });
    try {
      const res = await fetch(`${app.baseUrl}/sign-in`);
      expect(res.headers.get('strict-transport-security')).toBeNull();
      expect(res.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    } finally {
      await app.stop();
    }
  });
});
