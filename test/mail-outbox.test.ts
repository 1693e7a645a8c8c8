/**
 * The mail outbox never loses a mail: with the SMTP server down a request still answers,
 * the server (a process of its own) is killed (SIGKILL) and a server is started again on the
 * database (in this process, so that its clock can be moved past the retry delay instead of
 * waiting it out), SMTP comes back, and the mail arrives exactly once (SQLite and
 * PostgreSQL). Two instances on one PostgreSQL deliver each mail once. A mail that keeps
 * failing is kept and reported (`mail status`), and `mail retry` sends it. The CLI's
 * `users create --email`, `users verify-email` and `mail test` (through runCli in this
 * process).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { MikroORM } from '@mikro-orm/core';
import { migrate, openDatabase } from '../src/db/orm';
import { startGatehouse, type RunningGatehouse } from '../src/server/app';
import { loadSettings } from '../src/settings';
import { createUser } from '../src/users/create';
import { OffsetClock } from '../src/util/clock';
import { spawnServer } from './support/child-server';
import { assertData, assertError, gql, login } from './support/http';
import { leasePostgres, postgresSkip } from './support/postgres';
import { cliHere, cliHereOk } from './support/process';
import { startTestServer, testEnv, type TestServer } from './support/server';
import { startSmtp, type TestSmtp } from './support/smtp';

const REQUEST_RESET = 'mutation($e: String!) { requestPasswordReset(email: $e) }';
const FAST_RETRIES = { MAIL_POLL_INTERVAL: '1s', MAIL_RETRY_DELAY: '1s', MAIL_RETRY_MAX_DELAY: '1s' };

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface OutboxRow { template: string; attempts: number; sent_at: unknown; locked_by: string | null; next_attempt_at: unknown }

async function outbox(orm: MikroORM): Promise<OutboxRow[]> {
  return (await orm.em.fork().getConnection().execute('select template, attempts, sent_at, locked_by, next_attempt_at from gatehouse_mail_outbox')) as OutboxRow[];
}

async function database(kind: 'sqlite' | 'postgresql'): Promise<{ url: string; drop(): Promise<void> }> {
  if (kind === 'postgresql') {
    const leased = await leasePostgres();
    return { url: leased.url, drop: leased.release };
  }
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-outbox-'));
  return { url: `sqlite:${join(dir, 'test.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

for (const kind of ['sqlite', 'postgresql'] as const) {
  describe(`mail outbox across a SIGKILL [${kind}]`, { skip: kind === 'postgresql' && postgresSkip() }, () => {
    it('SMTP down, a reset requested, the server killed and restarted, SMTP back: the mail arrives exactly once', async () => {
      const smtp = await startSmtp();
      await smtp.stop();
      const db = await database(kind);
      const env = { DATABASE_URL: db.url, SMTP_URL: smtp.url, ...FAST_RETRIES };
      const settings = loadSettings(testEnv(env));
      const orm = await openDatabase(settings.database);
      let restarted: TestServer | undefined;
      const child = await (async () => {
        await migrate(orm);
        await createUser(orm.em.fork(), { username: 'patient', password: 'correct horse', email: 'patient@example.com' }, 4);
        return spawnServer(env);
      })();
      try {
        assert.equal(assertData(await gql(child.url, REQUEST_RESET, { e: 'patient@example.com' })).requestPasswordReset, true, 'answers while SMTP is down');
        await waitUntil('a failed attempt', async () => (await outbox(orm)).find((row) => row.template === 'password-reset' && Number(row.attempts) >= 1 && row.locked_by === null));
        await child.kill('SIGKILL');
        assert.equal(child.process.signalCode, 'SIGKILL', 'the server was killed, not stopped');
        const [row] = await outbox(orm);
        assert.equal(row.sent_at, null, 'still queued after the kill');
        // Started again (its worker looks at the outbox at once, SMTP still down), then SMTP back:
        // its clock moved past the retry delay and the worker woken, instead of waiting for both.
        restarted = await startTestServer(kind, env);
        await smtp.start();
        restarted.clock.advance(60_000);
        restarted.gatehouse.mail.kick();
        await smtp.waitFor('patient@example.com', 1, 15_000);
        await waitUntil('the row marked sent', async () => (await outbox(orm)).every((r) => r.sent_at !== null));
        // Nothing goes out twice: a sent row is never taken again, and a graceful stop waits
        // for the worker's pass under way, so after it no send can still be in flight.
        await restarted.stop();
        restarted = undefined;
        assert.equal(smtp.to('patient@example.com').length, 1, 'exactly once');
        assert.equal(smtp.mails[0].subject, 'Reset your password');
      } finally {
        await child.kill('SIGKILL');
        await restarted?.stop();
        await orm.close(true);
        await smtp.stop();
        await db.drop();
      }
    });
  });
}

describe('two instances on one PostgreSQL', { skip: postgresSkip() }, () => {
  it('deliver each mail exactly once', async () => {
    const smtp = await startSmtp();
    const db = await database('postgresql');
    const settings = loadSettings(testEnv({ DATABASE_URL: db.url, SMTP_URL: smtp.url, ...FAST_RETRIES }));
    const instances: RunningGatehouse[] = [];
    try {
      instances.push(await startGatehouse({ settings, log: () => undefined, clock: new OffsetClock() }));
      instances.push(await startGatehouse({ settings, migrate: false, log: () => undefined, clock: new OffsetClock() }));
      const USERS = 16;
      for (let i = 0; i < USERS; i++) {
        await createUser(instances[0].gatehouse.orm.em.fork(), { username: `twin${i}`, password: 'correct horse', email: `twin${i}@example.com` }, 4);
      }
      // Every request goes to one instance, and both instances' workers are woken for each (their rows compete).
      await Promise.all(Array.from({ length: USERS }, async (_, i) => {
        assertData(await gql(instances[i % 2].url, REQUEST_RESET, { e: `twin${i}@example.com` }));
        instances[(i + 1) % 2].gatehouse.mail.kick();
      }));
      for (let i = 0; i < USERS; i++) await smtp.waitFor(`twin${i}@example.com`);
      const unsent = async () => Number((await instances[0].gatehouse.orm.em.fork().getConnection().execute('select count(*) as n from gatehouse_mail_outbox where sent_at is null'))[0].n);
      await waitUntil('every row marked sent', async () => (await unsent()) === 0);
      // Every row is sent (a sent row is never taken again); stopping waits for both workers'
      // passes under way, so no second send of a row can still be in flight after it.
      while (instances.length > 0) await instances.pop()!.stop();
      assert.equal(smtp.mails.length, USERS, 'one mail per request');
      assert.equal(new Set(smtp.mails.map((mail) => mail.messageId)).size, USERS);
    } finally {
      for (const instance of instances) await instance.stop();
      await smtp.stop();
      await db.drop();
    }
  });
});

describe('a mail that keeps failing is kept and reported; the CLI [sqlite]', () => {
  let smtp: TestSmtp;
  let server: TestServer;
  let env: Record<string, string>;
  before(async () => {
    smtp = await startSmtp();
    await smtp.stop();
    server = await startTestServer('sqlite', { SMTP_URL: smtp.url, MAIL_MAX_ATTEMPTS: '2', EMAIL_VERIFICATION: 'required', ...FAST_RETRIES, MAIL_POLL_INTERVAL: '1h' });
    env = { DATABASE_URL: server.settings.database.url, SMTP_URL: smtp.url };
  });
  after(async () => {
    await server?.stop();
    await smtp?.stop();
  });

  it('fails MAIL_MAX_ATTEMPTS times, stays as failed (mail status exits 1), mail retry sends it once SMTP is back', async () => {
    await server.createUser({ username: 'unlucky', email: 'unlucky@example.com' });
    assertData(await gql(server.url, REQUEST_RESET, { e: 'unlucky@example.com' }));
    const orm = server.gatehouse.orm;
    await waitUntil('the first failure', async () => (await outbox(orm)).find((row) => Number(row.attempts) === 1 && row.locked_by === null));
    server.clock.advance(1000);
    await server.gatehouse.mail.runOnce();
    const [failed] = await outbox(orm);
    assert.equal(Number(failed.attempts), 2);
    assert.equal(failed.next_attempt_at, null, 'given up, and kept');
    assert.equal(failed.sent_at, null);
    const status = await cliHere(['mail', 'status'], env);
    assert.equal(status.code, 1, 'mail status exits 1 while a mail is kept as failed');
    assert.match(status.out + status.err, /failed \(1\)|failed/);
    await smtp.start();
    assert.match(await cliHereOk(['mail', 'retry'], env), /1 failed mail\(s\) queued again/);
    await server.gatehouse.mail.runOnce();
    assert.equal((await smtp.waitFor('unlucky@example.com')).length, 1);
    assert.match(await cliHereOk(['mail', 'status'], env), /queued 0, retrying 0, failed 0, sent 1/);
  });

  it('mail test ADDRESS sends a test mail', async () => {
    await smtp.start();
    // Through the bin's runCli in this process (its own database connection and worker, with the system clock).
    const result = await cliHere(['mail', 'test', 'admin@example.com'], env);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /Sent a test mail to admin@example.com/);
    const [mail] = await smtp.waitFor('admin@example.com');
    assert.equal(mail.subject, 'Gatehouse test mail');
  });

  it('users create --email counts as verified; users verify-email marks one verified (EMAIL_VERIFICATION=required)', async () => {
    await cliHereOk(['users', 'create', 'vouched', '--email', 'vouched@example.com', '--password', 'correct horse'], env);
    assertData(await login(server.url, 'vouched', 'correct horse'));
    await server.sql("insert into gatehouse_user (id, username, email, email_verified, password_hash, roles, is_active, date_joined) select 'u-unverified', 'unverified', 'unverified@example.com', 0, password_hash, '[]', 1, date_joined from gatehouse_user where username = 'vouched'");
    assertError(await login(server.url, 'unverified', 'correct horse'), 'EMAIL_NOT_VERIFIED');
    assert.match(await cliHereOk(['users', 'verify-email', 'unverified'], env), /Marked unverified@example.com of unverified verified/);
    assertData(await login(server.url, 'unverified', 'correct horse'));
  });
});
