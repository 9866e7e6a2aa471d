/**
 * A loopback SMTP server that accepts and discards every message, run as its
 * own process so receiving does not share the sender's CPU. Prints
 * `{"port": n}` once listening; stops on SIGTERM.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, _session, callback) {
    stream.on('end', () => callback());
    stream.resume();
  },
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: (server.server.address() as AddressInfo).port }) + '\n');
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
