import { expect, it } from 'vitest';
import { withApp } from './support/harness.js';

const env = withApp();

it('keeps an idle connection for 65 s, longer than a load balancer would, so the balancer always closes it first', async () => {
  const res = await fetch(`${env.app.baseUrl}/healthz`);
  expect(res.status).toBe(200);
  expect(res.headers.get('keep-alive')).toBe('timeout=65');
});
