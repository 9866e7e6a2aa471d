import { describe, expect, it } from 'vitest';
import { withApp } from '../support/harness.js';
import { partyClient } from './partySteps.js';

describe('unknown routes', () => {
  const env = withApp();

  it('are a page outside /api, and still JSON inside it', async () => {
    const page = await partyClient(env.app).get('/no-such-page');
    expect(page.status).toBe(404);
    expect(page.$('title').text()).toBe('Page not found – Northshire Restorative Justice Service');
    expect(page.$('main').text()).toContain('0300 123 4567');

    const api = await env.app.request('GET', '/api/no-such-route', { token: env.staff.supervisor.token });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/^application\/json/);
    expect(api.body).toEqual({ error: expect.any(String) });
  });
});
