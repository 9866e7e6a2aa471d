import express from 'express';
import type { AddressInfo } from 'node:net';

/** The HTTP baseline: a bare express 5 app with one JSON POST route and nothing else. */
export async function startBareApp(): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  app.post('/api/cases/:id/events', express.json(), (req, res) => {
    res.json({ ok: true, id: req.params.id, type: (req.body as { type?: string }).type });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
