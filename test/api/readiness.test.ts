import { describe, expect, it } from 'vitest';
import { outboxStuckAfterMs } from '../../src/health.js';
import { openCase, withApp } from '../support/harness.js';
import { rawDatabase } from '../support/rawDatabase.js';

describe('/readyz and /healthz', () => {
  const env = withApp();
  const ready = () => env.app.request('GET', '/readyz');

  it('ready when the database takes a write, every migration is applied and no mail has waited 10 minutes', async () => {
    expect(await ready()).toMatchObject({ status: 200, body: { ready: true, checks: { database: 'ok', migrations: 'ok', outbox: 'ok' } } });
    expect(await env.app.request('GET', '/healthz')).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('not ready while mail due 10 minutes ago has not been sent; ready again once it is', async () => {
    await openCase(env.app, env.staff); // queues the allocation email
    env.app.clock.advance(outboxStuckAfterMs - 1000);
    expect((await ready()).status).toBe(200);
    env.app.clock.advance(2000);
    expect(await ready()).toMatchObject({ status: 503, body: { ready: false, checks: { database: 'ok', migrations: 'ok', outbox: 'failing' } } });
    await env.app.services.outbox.deliverDue();
    expect((await ready()).status).toBe(200);
  });

  it('not ready when a migration the code has is not applied, or the database takes no write; saying which, and nothing more', async () => {
    const other = rawDatabase(env.app);
    try {
      const [last] = await other.all<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name DESC LIMIT 1');
      await other.run('DELETE FROM schema_migrations WHERE name = ?', [last!.name]);
      expect(await ready()).toMatchObject({ status: 503, body: { checks: { database: 'ok', migrations: 'failing', outbox: 'ok' } } });
      await other.run('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)', [last!.name, new Date().toISOString()]);
      // Another connection holds the write lock past the app's busy (SQLite) or lock (PostgreSQL) timeout.
      await other.run(other.store === 'sqlite' ? 'BEGIN EXCLUSIVE' : 'BEGIN; LOCK TABLE readiness_probe IN EXCLUSIVE MODE');
      const answer = await ready();
      await other.run('ROLLBACK');
      expect(answer).toMatchObject({ status: 503, body: { checks: { database: 'failing' } } });
      expect(JSON.stringify(answer.body)).not.toMatch(/SQLITE|locked|busy|lock timeout|readiness_probe/i);
      expect((await ready()).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});
