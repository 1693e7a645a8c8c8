/**
 * Issue 16: `@auth(roles:)` on a type-graphql subscription field of a library user's own
 * schema, served by `gatehouseSubscriptions` on the user's own node:http server, checked
 * when the subscription starts; `sessionEvents` joins through `gatehouseSubscriptionResolvers`.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { Directive, Field, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import { buildSchema } from 'type-graphql';
import {
  authDirective,
  authDirectiveTransformer,
  createGatehouse,
  createUser,
  gatehouseResolvers,
  gatehouseSubscriptionResolvers,
  gatehouseSubscriptions,
  loadSettings,
  noPubSub,
  type Gatehouse,
  type SubscriptionServer,
} from 'gatehouse-graphql';
import { signAccessToken } from '../src/tokens/access/sign';
import { testEnv } from './support/server';
import { firstResult, wsClient } from './support/ws';

/** How many times the event source was started: a refused caller must not start it. */
let started = 0;

@ObjectType()
class Tick {
  @Field(() => Number) n!: number;
}

@Resolver()
class TickResolver {
  @Subscription(() => Tick, {
    subscribe: async function* () {
      started += 1;
      yield { n: 1 };
    },
  })
  @Directive('@auth(roles: ["admin"])')
  adminTicks(@Root() tick: Tick): Tick {
    return tick;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-tg-subs-'));
let gh: Gatehouse;
let http: Server;
let subscriptions: SubscriptionServer;
let url: string;
const tokens: Record<string, string> = {};

before(async () => {
  gh = await createGatehouse({ settings: loadSettings(testEnv({ DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, GATEHOUSE_DATA_DIR: dir, JWT_SESSION_CHECK: 'false' })) });
  const schema = authDirectiveTransformer(
    await buildSchema({ resolvers: [...gatehouseResolvers, ...gatehouseSubscriptionResolvers, TickResolver], directives: [authDirective], pubSub: noPubSub, validate: false }),
  );
  http = createServer((_req, res) => res.end());
  subscriptions = gatehouseSubscriptions({ gatehouse: gh, schema, server: http });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`;
  for (const [username, roles] of [['root', ['admin']], ['pleb', []]] as const) {
    const user = await createUser(gh.orm.em.fork(), { username, password: 'correct horse', roles: [...roles] }, 4);
    tokens[username] = signAccessToken({ userId: user.id, username, origIat: Math.floor(Date.now() / 1000) }, gh.settings, gh.keys, Math.floor(Date.now() / 1000)).token;
  }
});
after(async () => {
  await subscriptions.dispose();
  await new Promise((resolve) => http.close(resolve));
  await gh.close();
  await gh.orm.close(true);
  rmSync(dir, { recursive: true, force: true });
});

it('type-graphql: @auth(roles:) on a subscription field is checked when it starts', async () => {
  for (const [who, expected] of [[undefined, 'UNAUTHENTICATED'], ['pleb', 'FORBIDDEN']] as const) {
    const client = wsClient(url, who && tokens[who]);
    assert.equal((await firstResult(client, 'subscription { adminTicks { n } }')).errors?.[0]?.extensions?.code, expected);
    await client.dispose();
  }
  assert.equal(started, 0, 'refused before the event source started');
  const root = wsClient(url, tokens.root);
  assert.deepEqual((await firstResult(root, 'subscription { adminTicks { n } }')).data, { adminTicks: { n: 1 } });
  await root.dispose();
  assert.equal(started, 1);
});
