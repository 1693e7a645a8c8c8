/**
 * The raw bcrypt baseline of `npm run bench` (scenario 6): a plain `node:http` server that
 * answers every POST with one `bcrypt.compare` at `BCRYPT_ROUNDS`, as `tokenAuth` does, and
 * nothing else. The password it knows is `BENCH_PASSWORD`. Started as a child process, like the Gatehouse server; prints
 * `listening http://127.0.0.1:PORT/` when ready.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import bcrypt from 'bcrypt';

async function main(): Promise<void> {
  const rounds = Number(process.env.BCRYPT_ROUNDS ?? '12');
  const hash = await bcrypt.hash(process.env.BENCH_PASSWORD ?? '', rounds);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let password = '';
      try {
        password = String(JSON.parse(Buffer.concat(chunks).toString('utf8')).password ?? '');
      } catch {
        // an empty or broken body compares as the empty password
      }
      bcrypt.compare(password, hash).then(
        (ok) => {
          const body = JSON.stringify({ data: { ok } });
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
          res.end(body);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(Number(process.env.PORT ?? '0'), '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    console.log(`listening http://127.0.0.1:${port}/`);
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
  process.once('SIGINT', () => server.close(() => process.exit(0)));
}

void main();
