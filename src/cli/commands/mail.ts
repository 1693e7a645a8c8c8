import { parseArgs } from 'node:util';
import type * as Pino from 'pino';
import type { SqlEntityManager } from '@mikro-orm/knex';
import type * as Orm from '../../db/orm';
import type * as Logging from '../../logging/logger';
import type * as Outbox from '../../mail/outbox';
import { mailKey, sealPayload } from '../../mail/seal';
import type * as Transport from '../../mail/transport';
import type * as Worker from '../../mail/worker';
import { loadSettings } from '../../settings';
import type * as Events from '../../store/events';
import { loadTokenKeys } from '../../tokens/keys';
import { isEmailAddress, UserInputError } from '../../users/input';
import { systemClock } from '../../util/clock';
import { type Command, HELP_OPTION, UsageError, withDatabase } from '../command';

// Each command loads the database, outbox and worker modules when it runs (not for --help).
const ormModule = () => require('../../db/orm') as typeof Orm;
const outboxModule = () => require('../../mail/outbox') as typeof Outbox;

export const mailTest: Command = {
  summary: 'Send a test mail through the outbox.',
  usage:
    'gatehouse-graphql mail test ADDRESS\n\n' +
    'Queues a test mail to ADDRESS and delivers what is due in the outbox now, over SMTP_URL\n' +
    '(without it, outside production, the mail is written to the log). Exits 1 when it was not sent\n' +
    '(it stays queued and is retried by the servers).\n',
  async run(argv, io) {
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: HELP_OPTION });
    if (positionals.length !== 1) throw new UsageError('give exactly one ADDRESS');
    const address = positionals[0].trim();
    if (!isEmailAddress(address)) throw new UserInputError('INVALID_EMAIL', `"${address}" is not an email address.`);
    const settings = loadSettings(io.env);
    const key = mailKey(loadTokenKeys(settings));
    const { migrate } = ormModule();
    const { insertOutboxRow } = outboxModule();
    const pino = require('pino') as typeof Pino;
    const { createLogger } = require('../../logging/logger') as typeof Logging;
    const { mailTransport } = require('../../mail/transport') as typeof Transport;
    const { MailWorker } = require('../../mail/worker') as typeof Worker;
    const { GatehouseEvents } = require('../../store/events') as typeof Events;
    return withDatabase(settings, async (orm) => {
      await migrate(orm);
      const em = orm.em.fork() as unknown as SqlEntityManager;
      const id = await insertOutboxRow(em, { recipient: address, template: 'test', userId: null, payload: sealPayload({ email: address }, key) }, systemClock.now());
      const log = createLogger(settings, pino.destination({ dest: 2, sync: true }));
      const transport = mailTransport(settings, log);
      if (!transport) {
        io.err('gatehouse-graphql mail test: SMTP_URL is not set (NODE_ENV=production): the mail stays queued.');
        return 1;
      }
      const worker = new MailWorker({ orm, clock: systemClock, settings, key, transport, log, events: new GatehouseEvents() });
      try {
        await worker.runOnce();
      } finally {
        transport.close();
      }
      const [row] = (await em.execute('select sent_at, last_error from gatehouse_mail_outbox where id = ?', [id], 'all')) as Array<Record<string, unknown>>;
      if (row?.sent_at == null) {
        io.err(`gatehouse-graphql mail test: not sent: ${row?.last_error ?? 'taken by a running server'} (it stays queued and is retried)`);
        return 1;
      }
      io.out(transport.name === 'smtp' ? `Sent a test mail to ${address}.` : `Wrote a test mail to ${address} to the log (SMTP_URL is not set).`);
      return 0;
    });
  },
};

export const mailStatus: Command = {
  summary: 'Show the mail outbox: queued, retrying, failed.',
  usage:
    'gatehouse-graphql mail status\n\n' +
    'Counts the mails in the outbox (queued, retrying, failed, sent) and lists those that failed\n' +
    'at least once, with their last error. Exits 1 when a mail is kept as failed (MAIL_MAX_ATTEMPTS\n' +
    'used up): "gatehouse-graphql mail retry" sends those again.\n',
  async run(argv, io) {
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: HELP_OPTION });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const { migrate } = ormModule();
    const { outboxStatus } = outboxModule();
    const status = await withDatabase(loadSettings(io.env), async (orm) => {
      await migrate(orm);
      return outboxStatus(orm.em.fork() as unknown as SqlEntityManager);
    });
    io.out(`queued ${status.queued}, retrying ${status.retrying}, failed ${status.failed}, sent ${status.sent}`);
    for (const row of status.failing) {
      const state = row.nextAttemptAt ? `next attempt ${row.nextAttemptAt.toISOString()}` : 'failed';
      io.out(`  ${row.id}  ${row.template}  to ${row.recipient}  ${row.attempts} attempt(s), ${state}: ${row.lastError ?? ''}`);
    }
    return status.failed > 0 ? 1 : 0;
  },
};

export const mailRetry: Command = {
  summary: 'Send failed mails again.',
  usage: 'gatehouse-graphql mail retry\n\nMakes every mail kept as failed due again, its attempts counted from zero; the servers send them.\n',
  async run(argv, io) {
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: HELP_OPTION });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const { migrate } = ormModule();
    const { retryFailed } = outboxModule();
    const count = await withDatabase(loadSettings(io.env), async (orm) => {
      await migrate(orm);
      return retryFailed(orm.em.fork() as unknown as SqlEntityManager, systemClock.now());
    });
    io.out(`${count} failed mail(s) queued again.`);
    return 0;
  },
};
