import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';

export interface GraphQLResponse<T = any> {
  status: number;
  data: T | null | undefined;
  errors: Array<{ message: string; extensions?: Record<string, unknown> }> | undefined;
  headers: Headers;
}

/** What `send` returns: the status, the headers (a WHATWG `Headers`, as `fetch` gives) and the body text. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** Keeps connections open between requests, as a client would. */
const agent = new Agent({ keepAlive: true });

/**
 * One HTTP request with node:http, as a client would send it. Tests use this rather than
 * `fetch`: on Node 20, undici's fetch costs about 400 µs more CPU a request (measured with
 * a trivial server, 5,000 requests each way), which, over the suite's requests, was a large
 * share of `npm test`'s time. `fetch` stays where its own behaviour is what is tested (the
 * client library, a browser-like visit).
 */
export function send(url: string | URL, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpAnswer> {
  const body = init.body === undefined ? undefined : Buffer.from(init.body);
  const headers: Record<string, string | number> = { ...init.headers };
  if (body) headers['content-length'] = body.length;
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const answer = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) answer.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
        resolve({ status: res.statusCode ?? 0, headers: answer, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends one GraphQL request over HTTP, as a client would. */
export async function gql<T = any>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await send(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  let body: { data?: T | null; errors?: GraphQLResponse['errors'] };
  try {
    body = JSON.parse(response.text);
  } catch {
    throw new Error(`not JSON (HTTP ${response.status}): ${response.text.slice(0, 200)}`);
  }
  return { status: response.status, data: body.data, errors: body.errors, headers: response.headers };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Asserts the response failed with this code (and reason, when given); returns the first error. */
export function assertError(response: GraphQLResponse, code: string, reason?: string) {
  assert.ok(response.errors?.length, `expected a ${code} error, got data ${JSON.stringify(response.data)}`);
  const [error] = response.errors!;
  assert.equal(error.extensions?.code, code, `expected ${code}, got ${JSON.stringify(error)}`);
  if (reason !== undefined) assert.equal(error.extensions?.reason, reason, `expected reason ${reason}, got ${JSON.stringify(error)}`);
  assert.equal(JSON.stringify(error).includes('stacktrace'), false, 'no stack trace in errors');
  return error;
}

/** Asserts the response has no errors; returns its data. */
export function assertData<T>(response: GraphQLResponse<T>): T {
  assert.equal(response.errors, undefined, `unexpected errors: ${JSON.stringify(response.errors)}`);
  assert.ok(response.data);
  return response.data;
}

export const LOGIN = `mutation Login($username: String!, $password: String!, $deviceName: String) {
  tokenAuth(username: $username, password: $password, deviceName: $deviceName) {
    token refreshToken refreshExpiresIn
    payload { sub username exp iat origIat jti tokenType sid }
    device { id name userAgent current expiresAt }
    user { id username email roles isActive lastLogin }
  }
}`;

export const REFRESH = `mutation Refresh($refreshToken: String, $token: String) {
  refreshToken(refreshToken: $refreshToken, token: $token) {
    token refreshToken refreshExpiresIn
    payload { sub username exp iat origIat jti tokenType sid }
    device { id name }
    user { id username }
  }
}`;

export const ME = `{ me { id username email roles isActive } }`;

export const VERIFY = `mutation Verify($token: String!) { verifyToken(token: $token) { payload { sub username exp iat origIat jti tokenType sid } } }`;

export function login(url: string, username: string, password = 'correct horse', headers: Record<string, string> = {}, deviceName?: string) {
  return gql(url, LOGIN, { username, password, deviceName }, headers);
}
