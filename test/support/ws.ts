import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import assert from 'node:assert/strict';
import { testEnv } from './server';

/** The WebSocket address of a GraphQL endpoint (`http://…/graphql` → `ws://…/graphql`). */
export const wsUrl = (url: string) => url.replace(/^http/, 'ws');

export interface Closed {
  code: number;
  reason: string;
}

/**
 * A WebSocket speaking graphql-transport-ws by hand: raw frames, to see close codes and the
 * order of messages exactly.
 */
export class RawSocket {
  readonly messages: Array<{ type: string; id?: string; payload?: any }> = [];
  readonly closed: Promise<Closed>;
  private waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)));
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        this.wake();
      }),
    );
    ws.on('error', () => undefined);
  }

  /** Opens a socket (subprotocol graphql-transport-ws unless `protocol` says otherwise). */
  static open(url: string, protocol: string | null = 'graphql-transport-ws', options: WebSocket.ClientOptions = {}): Promise<RawSocket> {
    const ws = protocol ? new WebSocket(wsUrl(url), protocol, options) : new WebSocket(wsUrl(url), options);
    const socket = new RawSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Opens a socket and sends `connection_init` with this payload; resolves with the ack, or the close. */
  static async init(url: string, payload?: Record<string, unknown>): Promise<{ socket: RawSocket; acked: boolean; closed?: Closed }> {
    const socket = await RawSocket.open(url);
    socket.send({ type: 'connection_init', ...(payload ? { payload } : {}) });
    const outcome = await Promise.race([socket.waitFor((m) => m.type === 'connection_ack').then(() => true), socket.closed.then(() => false)]);
    return { socket, acked: outcome, closed: outcome ? undefined : await socket.closed };
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  subscribe(id: string, query: string, variables: Record<string, unknown> = {}): void {
    this.send({ id, type: 'subscribe', payload: { query, variables } });
  }

  /** Resolves with the first message (from the start) that matches, or rejects when the socket closes first. */
  async waitFor(match: (message: { type: string; id?: string; payload?: any }) => boolean, timeoutMs = 5000): Promise<{ type: string; id?: string; payload?: any }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed before the message came: ${JSON.stringify(this.messages)}`);
      if (Date.now() > deadline) throw new Error(`no such message within ${timeoutMs} ms: ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(deadline - Date.now(), 0));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** `next` payloads of one operation. */
  nexts(id: string): any[] {
    return this.messages.filter((m) => m.type === 'next' && m.id === id).map((m) => m.payload);
  }

  close(): void {
    this.ws.close();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

/** Resolves with the close of a raw socket, or rejects after `ms`. */
export async function closedWithin(socket: RawSocket, ms: number): Promise<Closed & { took: number }> {
  const start = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms)));
  try {
    const closed = await Promise.race([socket.closed, timeout]);
    return { ...closed, took: Date.now() - start };
  } finally {
    clearTimeout(timer);
  }
}

export const SESSION_EVENTS = 'subscription { sessionEvents { type at device { id name current } } }';

/** A signed-in raw socket on `url` with `sessionEvents` running as operation "e". */
export async function listeningSocket(url: string, token: string): Promise<RawSocket> {
  const { socket, acked, closed } = await RawSocket.init(url, { authorization: `Bearer ${token}` });
  assert.ok(acked, `refused: ${JSON.stringify(closed)}`);
  socket.subscribe('e', SESSION_EVENTS);
  // The subscription is running once a harmless change of another user has come and gone.
  await new Promise((resolve) => setTimeout(resolve, 30));
  return socket;
}

/** The `sessionEvents` types (or error codes) operation "e" of a socket has received so far. */
export const sessionEventTypes = (socket: RawSocket) =>
  socket.nexts('e').map((payload) => payload.data?.sessionEvents?.type ?? payload.errors?.[0]?.extensions?.code);

/** graphql-ws's own client over `ws`, with a token (or none), no retries. */
export function wsClient(url: string, token?: string, extra: Partial<Parameters<typeof createClient>[0]> = {}): Client {
  return createClient({
    url: wsUrl(url),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: token ? { authorization: `Bearer ${token}` } : undefined,
    ...extra,
  });
}

/** The first result of one operation through a graphql-ws client. */
export function firstResult(client: Client, query: string): Promise<FormattedExecutionResult<any, any>> {
  return new Promise((resolve, reject) => {
    let done = false;
    const stop = client.subscribe<any, any>(
      { query },
      {
        next: (value) => {
          if (done) return;
          done = true;
          resolve(value);
          stop();
        },
        error: (error) => (done ? undefined : reject(error)),
        complete: () => (done ? undefined : reject(new Error('completed without a result'))),
      },
    );
  });
}

const BIN = join(__dirname, '..', '..', '..', 'bin', 'gatehouse-graphql.js');

/** Runs the CLI without blocking this process (an in-process server keeps serving meanwhile). */
export function cliAsync(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...testEnv(env) } });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`gatehouse ${args.join(' ')} failed (${code}): ${err}`))));
  });
}
