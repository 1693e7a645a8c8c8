/**
 * Traces through @opentelemetry/api with the SDK's in-memory exporter: a login and a
 * refresh each give a span named after the operation, with the store's statements as its
 * children; no token, password, username or address in any name, attribute or status.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { assertData, assertError, gql, login, REFRESH, VERIFY } from './support/http';
import { startTestServer, type TestServer } from './support/server';

describe('traces', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let server: TestServer;
  before(async () => {
    provider.register();
    server = await startTestServer('sqlite');
  });
  after(async () => {
    await server.stop();
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  /** Everything a span shows a tracing backend, as one text. */
  const shown = (span: ReadableSpan) => JSON.stringify({ name: span.name, attributes: span.attributes, status: span.status, events: span.events, links: span.links });
  const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) => spans.filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId);

  it('a login and a refresh: one span each, the statements inside, nothing secret', async () => {
    const username = 'trace-ada';
    const password = 'correct horse trace';
    await server.createUser({ username, password });
    exporter.reset();
    const answer = assertData(await login(server.url, username, password)).tokenAuth;
    const rotated = assertData(await gql(server.url, REFRESH, { refreshToken: answer.refreshToken })).refreshToken;
    assertData(await gql(server.url, VERIFY, { token: rotated.token }));
    assertError(await login(server.url, username, 'wrong password'), 'INVALID_CREDENTIALS');
    const spans = exporter.getFinishedSpans();

    const logins = spans.filter((span) => span.name === 'gatehouse.tokenAuth');
    assert.equal(logins.length, 2, 'one span per tokenAuth');
    assert.deepEqual(logins[0].attributes, { 'graphql.operation.type': 'mutation', 'gatehouse.operation': 'tokenAuth' });
    const statements = childrenOf(spans, logins[0]);
    assert.ok(statements.some((span) => span.name === 'gatehouse.db.insert' && span.attributes['db.system.name'] === 'sqlite'), 'the login writes its device inside the span');
    assert.equal(logins[1].status.code, 2, 'the failed login is an error span');
    assert.equal(logins[1].attributes['gatehouse.error.code'], 'INVALID_CREDENTIALS');

    const [refresh] = spans.filter((span) => span.name === 'gatehouse.refreshToken');
    assert.ok(refresh, 'a refreshToken span');
    assert.ok(childrenOf(spans, refresh).some((span) => span.name === 'gatehouse.db.update'), 'the rotation\'s one statement (an update of the view gatehouse_rotation on SQLite) runs inside the span');
    assert.ok(spans.some((span) => span.name === 'gatehouse.verifyToken'));

    const secrets = [password, 'wrong password', username, answer.token, answer.refreshToken, rotated.token, rotated.refreshToken, '127.0.0.1', '::1'];
    for (const span of spans) {
      const text = shown(span);
      for (const secret of secrets) assert.ok(!text.includes(secret), `${span.name} shows nothing of ${secret.slice(0, 10)}…`);
    }
  });

  it('no SDK, no spans: the API is a no-op', async () => {
    await provider.forceFlush();
    const before = exporter.getFinishedSpans().length;
    trace.disable();
    try {
      assertData(await gql(server.url, '{ __typename }'));
      await login(server.url, 'nobody', 'x');
      assert.equal(exporter.getFinishedSpans().length, before);
    } finally {
      provider.register();
    }
  });
});
