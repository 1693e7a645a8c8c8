import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager as EntityManager } from '@mikro-orm/knex';
import { JOB_PREFIX, resolveJob } from '../accounts/jobs';
import type { Logger } from '../logging/logger';
import type { Settings } from '../settings';
import type { GatehouseEvents } from '../store/events';
import type { Clock } from '../util/clock';
import { claimDue, type ClaimedRow, markFailed, markSent, retryAfterMs } from './outbox';
import { openPayload } from './seal';
import { loadTemplates, type MailTemplate, renderTemplate, type RenderedMail, type TemplateName, type TemplateVars } from './templates';
import type { MailTransport } from './transport';

/** Your own rendering of a mail (the `renderMail` hook): return null to use the templates. */
export type RenderMailHook = (template: TemplateName, vars: TemplateVars) => RenderedMail | null | undefined | Promise<RenderedMail | null | undefined>;

export interface MailWorkerDeps {
  orm: MikroORM;
  clock: Clock;
  settings: Pick<Settings, 'mail' | 'accounts'>;
  /** The outbox's sealing key (see `mailKey`). */
  key: Buffer;
  /** Null: no delivery (production without SMTP_URL): mails stay queued. */
  transport: MailTransport | null;
  log: Logger;
  events: GatehouseEvents;
  renderMail?: RenderMailHook;
}

/** How many due rows one claim takes. */
const BATCH = 10;

/**
 * The outbox's worker, one per instance: every `MAIL_POLL_INTERVAL` (and at once when this
 * instance queued something, `kick()`), it takes the due rows (`claimDue`: each row by one
 * instance only), works out account requests (`resolveJob`), renders and sends each mail,
 * and records the outcome: sent (payload cleared), or failed and retried after a backoff
 * (times from the instance's clock), or, after `MAIL_MAX_ATTEMPTS`, kept as failed and
 * logged at error level. A mail is never dropped: a killed instance's rows are taken again
 * once their lease ends. Delivery is at least once (a crash between the SMTP server's
 * acceptance and the `sent` write sends it again, with the same Message-ID).
 *
 * @example
 * const worker = new MailWorker(deps); worker.start(); … await worker.stop();
 */
export class MailWorker {
  /** This instance's name in `locked_by`. */
  readonly id = `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly templates: Readonly<Record<TemplateName, MailTemplate>>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private halting = false;
  private lastProblem: string | undefined;

  constructor(private readonly deps: MailWorkerDeps) {
    this.templates = loadTemplates(deps.settings.mail.templatesDir);
  }

  /** Whether mail is delivered at all (false in production without SMTP_URL). */
  get delivers(): boolean {
    return this.deps.transport !== null;
  }

  /** Starts polling (no-op without a transport). */
  start(): void {
    if (!this.delivers || !this.stopped) return;
    this.stopped = false;
    this.kick();
  }

  /** Looks at the outbox now (after the current pass, if one is under way). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.kick();
        return;
      }
      this.timer = setTimeout(() => this.kick(), this.deps.settings.mail.pollInterval * 1000);
      this.timer.unref();
    });
  }

  /** Stops polling and waits for the pass under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.halting = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    this.deps.transport?.close();
  }

  /** One pass: takes and handles due rows until none is left; how many were handled. Public for `mail test` and tests. */
  async runOnce(): Promise<number> {
    if (!this.deps.transport) return 0;
    let handled = 0;
    for (;;) {
      const em = this.deps.orm.em.fork() as unknown as EntityManager;
      const rows = await claimDue(em, this.id, this.deps.clock.now(), BATCH);
      if (rows.length === 0) return handled;
      for (const row of rows) {
        await this.handle(em, row);
        handled++;
      }
      if (this.halting) return handled;
    }
  }

  private async drain(): Promise<void> {
    try {
      await this.runOnce();
      this.lastProblem = undefined;
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      // Once per kind of trouble (a database that is down would otherwise say so every poll).
      if (problem !== this.lastProblem) this.deps.log.error({ err: { message: problem } }, 'mail outbox: could not look for due mail');
      this.lastProblem = problem;
    }
  }

  private async handle(em: EntityManager, row: ClaimedRow): Promise<void> {
    let mail: ClaimedRow | null = row;
    try {
      if (row.template.startsWith(JOB_PREFIX)) {
        const outcome = await resolveJob(em, row, { settings: this.deps.settings, key: this.deps.key, worker: this.id }, this.deps.clock.now());
        if (outcome.registered) {
          this.deps.events.emit({ type: 'account.registered', at: this.deps.clock.now(), origin: {}, ...outcome.registered });
        }
        mail = outcome.mail;
        if (!mail) return;
      }
      const rendered = await this.render(mail);
      await this.deps.transport!.send({ id: mail.id, to: mail.recipient, ...rendered });
      await markSent(em, mail.id, this.id, this.deps.clock.now());
      this.deps.log.info({ mail: { id: mail.id, template: mail.template, attempts: mail.attempts + 1 } }, 'mail sent');
    } catch (error) {
      await this.failed(em, mail ?? row, error);
    }
  }

  private async render(row: ClaimedRow): Promise<RenderedMail> {
    const vars = row.payload ? openPayload<TemplateVars>(row.payload, this.deps.key) : {};
    const name = row.template as TemplateName;
    const own = this.deps.renderMail ? await this.deps.renderMail(name, vars) : null;
    if (own) return own;
    const template = this.templates[name];
    if (!template) throw new Error(`no mail template named "${row.template}"`);
    return renderTemplate(template, vars);
  }

  private async failed(em: EntityManager, row: ClaimedRow, error: unknown): Promise<void> {
    const attempts = row.attempts + 1;
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').slice(0, 500);
    const wait = retryAfterMs(attempts, this.deps.settings.mail);
    const next = wait === null ? null : this.deps.clock.now() + wait;
    try {
      await markFailed(em, row.id, this.id, message, next);
    } catch (writeError) {
      // The lease ends on its own: another pass takes the row again.
      this.deps.log.error({ err: { message: String(writeError) }, mail: { id: row.id } }, 'mail outbox: could not record a failed delivery');
      return;
    }
    const fields = { mail: { id: row.id, template: row.template, attempts, error: message } };
    if (next === null) this.deps.log.error(fields, `mail failed ${attempts} times and is kept as failed (gatehouse-graphql mail status; gatehouse-graphql mail retry sends it again)`);
    else this.deps.log.warn({ ...fields, mail: { ...fields.mail, nextAttemptAt: new Date(next).toISOString() } }, 'mail delivery failed; it will be retried');
  }
}
