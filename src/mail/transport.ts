import type * as Nodemailer from 'nodemailer';
import type { Logger } from '../logging/logger';
import type { Settings } from '../settings';
import type { RenderedMail } from './templates';

/** One mail ready to go out. `id` is the outbox row's: it becomes the Message-ID, so a receiver can spot the rare repeat. */
export interface OutgoingMail extends RenderedMail {
  id: string;
  to: string;
}

/** Where mail goes: SMTP (`SMTP_URL`), or, in development without it, the log. */
export interface MailTransport {
  readonly name: 'smtp' | 'log';
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/**
 * The transport for these settings: nodemailer over `SMTP_URL` (short timeouts, so a dead
 * server fails an attempt quickly and it is retried), else, outside production, the log:
 * each mail as one info line with its text (links included, so a newcomer can follow them;
 * never in production). Null in production without `SMTP_URL`: mails stay queued.
 * nodemailer is loaded only here, when `SMTP_URL` is set.
 *
 * @example const transport = mailTransport(settings, gh.log);
 */
export function mailTransport(settings: Pick<Settings, 'mail' | 'server'>, log: Logger): MailTransport | null {
  const { smtpUrl, from } = settings.mail;
  if (smtpUrl) {
    const nodemailer = require('nodemailer') as typeof Nodemailer;
    const smtp = nodemailer.createTransport({ url: smtpUrl, pool: true, maxConnections: 2, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000, dnsTimeout: 10_000 } as never);
    return {
      name: 'smtp',
      async send(mail) {
        await smtp.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId: `<${mail.id}@gatehouse>` });
      },
      close: () => smtp.close(),
    };
  }
  if (settings.server.nodeEnv === 'production') return null;
  return {
    name: 'log',
    async send(mail) {
      log.info({ mail: { id: mail.id, from, to: mail.to, subject: mail.subject, text: mail.text } }, `mail to ${mail.to} (no SMTP_URL: written to the log instead of sent)`);
    },
    close: () => undefined,
  };
}
