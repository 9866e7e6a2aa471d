import { expect, it } from 'vitest';
import { forEachStore } from './stores.js';

/** Request counts for the rate limits: on PostgreSQL one count for every instance, so a limit is not multiplied by them. */
forEachStore('rate limits', (env) => {
  const minute = '2026-11-23T09:00:00.000Z';
  const next = '2026-11-23T09:01:00.000Z';

  it('counts one client in one window across every instance, requests arriving at once', async () => {
    const instances = await env.instances(3);
    const counts = await Promise.all(Array.from({ length: 30 }, (_, i) => instances[i % 3]!.countRequest('sign-in:203.0.113.7', minute)));
    expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    // Another client, or another limit for the same client, counts apart.
    expect(await instances[1]!.countRequest('sign-in:203.0.113.8', minute)).toBe(1);
    expect(await instances[2]!.countRequest('respond:203.0.113.7', minute)).toBe(1);
  });

  it('starts again in the next window, takes back a request, and resets a key', async () => {
    const [a, b] = await env.instances(2);
    expect(await a!.countRequest('respond:198.51.100.1', minute)).toBe(1);
    expect(await b!.countRequest('respond:198.51.100.1', minute)).toBe(2);
    await b!.uncountRequest('respond:198.51.100.1', minute);
    expect(await a!.countRequest('respond:198.51.100.1', minute)).toBe(2);
    expect(await b!.countRequest('respond:198.51.100.1', next)).toBe(1);
    // A take-back for a window gone by changes nothing now.
    await a!.uncountRequest('respond:198.51.100.1', minute);
    expect(await a!.countRequest('respond:198.51.100.1', next)).toBe(2);
    await a!.resetRequests('respond:198.51.100.1');
    expect(await b!.countRequest('respond:198.51.100.1', next)).toBe(1);
  });
});
