/**
 * Issue 16: SIGTERM with WebSockets open (the real server, `npm start`'s main, as a child
 * process): in-flight HTTP requests are answered first, then every socket closes with 1001,
 * and the process exits 0.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { spawnServer } from './support/child-server';
import { assertData, login } from './support/http';
import { cliAsync, RawSocket, SESSION_EVENTS } from './support/ws';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sigterm-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('SIGTERM: in-flight requests finish, sockets close with 1001, exit 0', async () => {
  const env = { DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, GATEHOUSE_DATA_DIR: dir };
  await cliAsync(['migrate'], env);
  await cliAsync(['users', 'create', 'ada', '--password', 'correct horse'], env);
  const server = await spawnServer(env);
  const session = assertData(await login(server.url, 'ada')).tokenAuth;
  const { socket } = await RawSocket.init(server.url, { authorization: `Bearer ${session.token}` });
  socket.subscribe('e', SESSION_EVENTS);
  const anonymous = (await RawSocket.init(server.url)).socket;
  let answeredAt = 0;
  const pending = login(server.url, 'ada').then((answer) => ((answeredAt = Date.now()), answer));
  await new Promise((resolve) => setTimeout(resolve, 5));
  const exited = new Promise<number | null>((resolve) => server.process.once('exit', (code) => resolve(code)));
  server.process.kill('SIGTERM');
  assertData(await pending);
  const [closed, other] = await Promise.all([socket.closed, anonymous.closed]);
  const closedAt = Date.now();
  assert.deepEqual(closed, { code: 1001, reason: 'Going away' });
  assert.deepEqual(other, { code: 1001, reason: 'Going away' });
  assert.ok(answeredAt <= closedAt, 'the in-flight request was answered before the sockets closed');
  assert.equal(await exited, 0, server.stderr());
});
