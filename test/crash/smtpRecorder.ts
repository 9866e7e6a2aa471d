import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message the server accepted: its Message-ID, the app process that sent it, and when. */
export interface AcceptedMail {
  messageId: string;
  /** The generation (the nth start of the app) whose connection carried it. */
  generation: number;
  at: number;
}

/**
 * A real SMTP server on loopback that takes every message and records its Message-ID.
 *
 * Each start of the app is given its own port (`listen(generation)`), so every message is tagged with
 * the process that sent it, even while several instances run at once.
 */
export function startSmtpRecorder() {
  const accepted: AcceptedMail[] = [];
  const servers: SMTPServer[] = [];
  const open = new Map<Socket, number>();
  /** Messages whose DATA is still being read, per generation. */
  const reading = new Map<number, number>();
  let idle: (() => void)[] = [];

  const settle = () => {
    for (const done of idle.splice(0)) done();
  };
  const busy = (generation: number) => [...open.values()].includes(generation) || (reading.get(generation) ?? 0) > 0;

  /** A server for one start of the app: its URL. */
  async function listen(generation: number): Promise<string> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      // The app sends rendered notices of a few kB; a generous cap only guards against a runaway.
      size: 10 * 1024 * 1024,
      onData(stream, _session, callback) {
        reading.set(generation, (reading.get(generation) ?? 0) + 1);
        const chunks: Buffer[] = [];
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          reading.set(generation, (reading.get(generation) ?? 1) - 1);
          settle();
        };
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        // A client that dies mid-message destroys the stream with an error: nothing was accepted.
        stream.on('error', finish);
        stream.on('end', () => {
          // Recorded before the 250 goes out: from here on the server has the message, whether or not the sender hears the reply.
          accepted.push({ messageId: messageIdOf(Buffer.concat(chunks)), generation, at: Date.now() });
          finish();
          callback();
        });
      },
    });
    // A killed sender resets its connections: expected here, and the message it was writing is simply not accepted.
    server.on('error', () => undefined);
    server.server.on('connection', (socket: Socket) => {
      open.set(socket, generation);
      socket.once('close', () => {
        open.delete(socket);
        settle();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    servers.push(server);
    return `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  }

  return {
    listen,
    accepted,
    /** Resolves once every connection of a generation has closed and its messages are all read (after that process died). */
    async drained(generation: number, timeoutMs = 10_000): Promise<boolean> {
      const deadline = Date.now() + timeoutMs;
      while (busy(generation)) {
        const left = deadline - Date.now();
        if (left <= 0) return false;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          idle.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return true;
    },
    async close() {
      idle = [];
      for (const socket of open.keys()) socket.destroy();
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
}

export type SmtpRecorder = ReturnType<typeof startSmtpRecorder>;

/** The Message-ID header of a raw message (headers unfolded), or '' if it has none. */
export function messageIdOf(raw: Buffer): string {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const headers = (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  return /^message-id:\s*(\S+)/im.exec(headers)?.[1] ?? '';
}
