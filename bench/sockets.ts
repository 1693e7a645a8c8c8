#!/usr/bin/env node
/**
 * `npm run bench:sockets` (not part of `npm test` or `npm run bench`): issue 16's scenario.
 * A real server (child process, SQLite) holds 5,000 signed-in, idle WebSockets, each with a
 * `sessionEvents` subscription running; reports the server's RSS per socket, then logs out
 * a sample of the sessions one at a time, with all the others still open, and reports the
 * time from sending each `logout` to its socket's close (4403 SESSION_REVOKED).
 *
 * @example
 * npm run bench:sockets                        # 5,000 sockets, 200 logouts
 * npm run bench:sockets -- --sockets 1000 --logouts 50
 */
import WebSocket from 'ws';
import { prepareDatabase, sqliteDatabase, type BenchUser } from './databases';
import { login, request, type Session } from './graphql';
import { readMemory } from './rss';
import { startGatehouseServer } from './servers';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const SOCKETS = arg('sockets', 5000);
const LOGOUTS = arg('logouts', 200);
const PER_USER = 10;
const PASSWORD = 'correct horse battery staple';

const log = (line: string) => process.stderr.write(`bench:sockets: ${line}\n`);

/** Opens a signed-in socket with sessionEvents running; resolves once acknowledged. */
function openSocket(url: string, token: string): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string; at: number }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const closed = new Promise<{ code: number; reason: string; at: number }>((done) => ws.once('close', (code, reason) => done({ code, reason: String(reason), at: performance.now() })));
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type !== 'connection_ack') return;
      ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { sessionEvents { type at } }' } }));
      resolve({ ws, closed });
    });
    void closed.then(({ code, reason }) => reject(new Error(`closed before ack: ${code} ${reason}`)));
  });
}

async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return out;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function main(): Promise<void> {
  const db = sqliteDatabase();
  const users: BenchUser[] = Array.from({ length: Math.ceil(SOCKETS / PER_USER) }, (_, i) => ({ username: `ws-${i}`, password: PASSWORD, rounds: 4 }));
  log(`preparing ${users.length} users`);
  await prepareDatabase(db.url, users);
  const server = await startGatehouseServer({ name: 'gatehouse-sockets', databaseUrl: db.url, bcryptRounds: 4, dataDir: db.dataDir, profileDir: null });
  try {
    const logins = Array.from({ length: SOCKETS }, (_, i) => users[i % users.length]);
    log(`${SOCKETS} logins`);
    const sessions: Session[] = await inBatches(logins, 20, (user) => login(server.url, user.username, user.password));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = readMemory(server.child.pid)!.rss;
    log(`opening ${SOCKETS} sockets (server RSS before: ${(before / 2 ** 20).toFixed(1)} MiB)`);
    const sockets = await inBatches(sessions, 100, (session) => openSocket(server.url, session.token));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = readMemory(server.child.pid)!.rss;
    const perSocket = (after - before) / SOCKETS;
    log(`server RSS with ${SOCKETS} sockets: ${(after / 2 ** 20).toFixed(1)} MiB`);

    const took: number[] = [];
    const wrong: string[] = [];
    for (let i = 0; i < Math.min(LOGOUTS, SOCKETS); i += 1) {
      const index = Math.floor((i * SOCKETS) / LOGOUTS);
      const sent = performance.now();
      await request(server.url, 'mutation { logout }', {}, { authorization: `Bearer ${sessions[index].token}` });
      const closed = await sockets[index].closed;
      if (closed.code !== 4403 || closed.reason !== 'SESSION_REVOKED') wrong.push(`${closed.code} ${closed.reason}`);
      took.push(closed.at - sent);
    }
    took.sort((a, b) => a - b);
    const open = sockets.filter(({ ws }) => ws.readyState === WebSocket.OPEN).length;
    const rows = [
      ['sockets', String(SOCKETS)],
      ['server RSS before / after (MiB)', `${(before / 2 ** 20).toFixed(1)} / ${(after / 2 ** 20).toFixed(1)}`],
      ['RSS per socket (KiB)', (perSocket / 1024).toFixed(1)],
      [`logout → close, ${took.length} logouts, p50 / p99 / max (ms)`, `${percentile(took, 50).toFixed(1)} / ${percentile(took, 99).toFixed(1)} / ${took[took.length - 1].toFixed(1)}`],
      ['p99 under 1 s', percentile(took, 99) < 1000 ? 'yes' : 'NO'],
      ['sockets still open (expected sockets - logouts)', `${open} (${SOCKETS - took.length})`],
      ['wrong close codes', wrong.length ? wrong.slice(0, 5).join(', ') : 'none'],
    ];
    for (const [name, value] of rows) console.log(`| ${name.padEnd(52)} | ${value.padStart(24)} |`);
    for (const { ws } of sockets) ws.terminate();
  } finally {
    await server.stop();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
