import type { Express } from 'express';
import type { Server } from 'node:http';

/**
 * Node closes an idle kept-alive connection after 5 s. A load balancer or client that keeps one longer
 * may send a request just as it closes, and gets a reset instead of an answer. Idle connections are
 * kept for 65 s, longer than the usual balancer's 60 s, so the other side always closes first.
 */
export const keepAliveMs = 65_000;

/** The app listening on `port` at `host`, with the connection timeouts above. */
export function listen(app: Express, port: number, host: string, onListening?: () => void): Server {
  const server = app.listen(port, host, onListening);
  server.keepAliveTimeout = keepAliveMs;
  // Must exceed the keep-alive timeout, or a request arriving late on a kept connection is cut off.
  server.headersTimeout = keepAliveMs + 1_000;
  return server;
}
