import { setTimeout as sleep } from 'node:timers/promises';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server in this process (smtp-server), keeping every mail it receives, parsed by mailparser. */
export interface TestSmtp {
  port: number;
  /** `smtp://127.0.0.1:PORT`, for SMTP_URL. */
  url: string;
  mails: ParsedMail[];
  /** Mails to this address (case-insensitive). */
  to(address: string): ParsedMail[];
  /** Waits (real time, at most `timeoutMs`) until `count` mails went to `address`; returns them. */
  waitFor(address: string, count?: number, timeoutMs?: number): Promise<ParsedMail[]>;
  /** Stops listening (connections are refused: a server that is down). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

const recipients = (mail: ParsedMail) =>
  (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).flatMap((to) => to.value.map((v) => (v.address ?? '').toLowerCase()));

export async function startSmtp(): Promise<TestSmtp> {
  const mails: ParsedMail[] = [];
  let server: SMTPServer | undefined;
  let port = 0;
  const listen = async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        simpleParser(stream).then(
          (mail) => {
            mails.push(mail);
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server.server.address() as { port: number }).port;
  };
  await listen();
  const smtp: TestSmtp = {
    port,
    url: `smtp://127.0.0.1:${port}`,
    mails,
    to: (address) => mails.filter((mail) => recipients(mail).includes(address.toLowerCase())),
    async waitFor(address, count = 1, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (smtp.to(address).length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} mail(s) to ${address}, got ${smtp.to(address).length} (all: ${mails.map((m) => recipients(m).join(',')).join(' ')})`);
        await sleep(20);
      }
      return smtp.to(address);
    },
    async stop() {
      const running = server;
      server = undefined;
      if (running) await new Promise<void>((resolve) => running.close(() => resolve()));
    },
    async start() {
      if (!server) await listen();
    },
  };
  return smtp;
}

/** The one-time token in a mail's link. */
export function tokenIn(mail: ParsedMail): string {
  const match = /token=(ghm_[A-Za-z0-9_-]{43})/.exec(mail.text ?? '');
  if (!match) throw new Error(`no token in mail: ${mail.text}`);
  return match[1];
}
