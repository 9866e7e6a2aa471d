import { EventEmitter } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * How the sink answers, switchable per test:
 * - accept: takes every message;
 * - refuse421OnConnect: greets with 421 (service not available);
 * - defer451AfterData: reads the message, then answers 451 (try again later);
 * - reject550AtRcpt: refuses the recipient with 550 (no such mailbox);
 * - hold: reads and keeps the message but answers only on release(): a reply that never comes,
 *   for timeouts (the server has the message, the sender cannot know), or later, to pause delivery midway.
 */
export type SinkBehaviour = 'accept' | 'refuse421OnConnect' | 'defer451AfterData' | 'reject550AtRcpt' | 'hold';

export interface ReceivedMail {
  messageId: string;
  envelopeTo: string[];
  parsed: ParsedMail;
}

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

/** A real SMTP server on loopback that records what it receives (parsed with mailparser). */
export async function startSmtpSink() {
  let behaviour: SinkBehaviour = 'accept';
  const received: ReceivedMail[] = [];
  const held: (() => void)[] = [];
  const unknownMailboxes = new Set<string>();
  const sockets = new Set<Socket>();
  const events = new EventEmitter();

  const newServer = () => {
    const server = new SMTPServer({
      authOptional: true,
      // A sender given credentials (smtp://user:pass@…) signs in over loopback; every sign-in is accepted.
      allowInsecureAuth: true,
      onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
      disabledCommands: ['STARTTLS'],
      logger: false,
      onConnect(_session, callback) {
        if (behaviour === 'refuse421OnConnect') return callback(smtpError(421, 'Service not available, try again later'));
        callback();
      },
      onRcptTo(address, _session, callback) {
        if (behaviour === 'reject550AtRcpt' || unknownMailboxes.has(address.address)) {
          return callback(smtpError(550, `5.1.1 <${address.address}>: no such mailbox here`));
        }
        callback();
      },
      onData(stream, session, callback) {
        const mode = behaviour;
        simpleParser(stream).then(
          (parsed) => {
            if (mode === 'defer451AfterData') return callback(smtpError(451, 'Local problem, try again later'));
            received.push({ messageId: parsed.messageId ?? '', envelopeTo: session.envelope.rcptTo.map((r) => r.address), parsed });
            if (mode === 'hold') held.push(() => callback());
            else callback();
            events.emit('change');
          },
          (err: Error) => callback(err),
        );
      },
    });

    // A client killed mid-conversation resets its connection: the server goes on, as a real one would.
    server.on('error', () => undefined);
    server.server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    return server;
  };
  let server = newServer();

  /** Ends every open connection and waits until the client has closed its side too, so its pool holds none. */
  const dropConnection = (socket: Socket) =>
    new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
    });
  const dropConnections = () => Promise.all([...sockets].map(dropConnection)).then(() => undefined);

  const listen = (port: number) =>
    new Promise<number>((resolve) => server.listen(port, '127.0.0.1', () => resolve((server.server.address() as AddressInfo).port)));
  const port = await listen(0);

  async function close() {
    held.length = 0;
    await dropConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resolves once `ready()` holds; re-checked whenever a message arrives (no polling, no sleeping). */
  const until = (ready: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!ready()) return;
        events.off('change', check);
        resolve();
      };
      events.on('change', check);
      check();
    });

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    /**
     * Switches behaviour and forgets any unknown mailboxes; connections the client pooled are dropped,
     * so the next message meets the new behaviour from the connect on.
     */
    async behave(next: SinkBehaviour) {
      behaviour = next;
      unknownMailboxes.clear();
      held.length = 0;
      await dropConnections();
    },
    /** RCPT TO this address gets 550 whatever the behaviour, until the next behave(). */
    forget(address: string) {
      unknownMailboxes.add(address);
    },
    /** Answers every held message with 250; a sender that gave up has closed its socket and never hears it. */
    release() {
      for (const answer of held.splice(0)) answer();
    },
    get heldCount() {
      return held.length;
    },
    untilReceived: (n: number) => until(() => received.length >= n),
    untilHeld: (n: number) => until(() => held.length >= n),
    /** How many copies of each Message-ID arrived. */
    copies(): Map<string, number> {
      const counts = new Map<string, number>();
      for (const m of received) counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
      return counts;
    },
    /** Drops open connections and stops listening: the port refuses connections until up(). */
    down: close,
    /** A fresh server on the same port. */
    async up() {
      server = newServer();
      await listen(port);
    },
    close,
  };
}

export type SmtpSink = Awaited<ReturnType<typeof startSmtpSink>>;
