/** What each scenario's connections send, and what counts as a success. */
import { body, HELLO, LOGIN, LOGOUT, LOGOUT_OTHERS, ME, ROTATE, type Session, successData, TYPENAME, VERIFY } from './graphql';
import type { ConnectionScript } from './load';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * A success without parsing the body (so the load generator stays cheap): HTTP 200, the
 * answer starts with the expected data (Apollo writes `errors` before `data`), and holds
 * no `errors` member.
 */
const answered = (prefix: string) => (status: number, text: string) =>
  status === 200 && text.startsWith(prefix) && !text.includes('"errors":');

/** 0, the baseline: `{ hello }` on the bare Apollo Server. */
export function helloScript(): ConnectionScript {
  return { body: body(HELLO), judge: answered('{"data":{"hello":"world"}}') };
}

/** 2: the protected `me` with a token never seen before on every request (`mint` signs a new one). */
export function mintedMeScript(mint: () => string): ConnectionScript {
  return {
    body: body(ME),
    nextHeaders: () => bearer(mint()),
    judge: answered('{"data":{"me":{"id":"'),
  };
}

/** 3: `verifyToken` of a token never seen before on every request. */
export function mintedVerifyScript(mint: () => string): ConnectionScript {
  return {
    nextBody: () => body(VERIFY, { token: mint() }),
    judge: answered('{"data":{"verifyToken":{"payload":{"sub":"'),
  };
}

/** `logout` or `logoutOtherDevices` with the access token of a session (timed one by one, not loaded). */
export function logoutBody(others: boolean): string {
  return body(others ? LOGOUT_OTHERS : LOGOUT);
}

/** `{ __typename }`, without or with a (valid) bearer token. */
export function typenameScript(token?: string): ConnectionScript {
  return {
    headers: token ? bearer(token) : {},
    body: body(TYPENAME),
    judge: answered('{"data":{"__typename":"Query"}}'),
  };
}

/** 3: `verifyToken` of the connection's own token. */
export function verifyScript(token: string): ConnectionScript {
  return {
    body: body(VERIFY, { token }),
    judge: answered('{"data":{"verifyToken":{"payload":{"sub":"'),
  };
}

/** 4: the protected `me`, with the connection's own token (a device session: the session check runs). */
export function meScript(token: string): ConnectionScript {
  return {
    headers: bearer(token),
    body: body(ME),
    judge: answered('{"data":{"me":{"id":"'),
  };
}

/** The state of one refresh-token chain: the token to present next, and how far it went. */
export interface Chain {
  refreshToken: string;
  rotations: number;
}

/**
 * 5: `refreshToken(refreshToken:)`, each connection following its own chain: every answer's
 * new refresh token is the next request's. After a failure the chain presents the same
 * token again (inside the grace window a repeat gets the same successor).
 */
export function rotationScript(chain: Chain): ConnectionScript {
  return {
    nextBody: () => body(ROTATE, { refreshToken: chain.refreshToken }),
    judge(status, text) {
      const next = successData(status, text)?.refreshToken?.refreshToken;
      if (typeof next !== 'string') return false;
      chain.refreshToken = next;
      chain.rotations++;
      return true;
    },
  };
}

/** 6: `tokenAuth` with the right password (a bcrypt compare, a new device, an access token). */
export function loginScript(username: string, password: string): ConnectionScript {
  return {
    body: body(LOGIN, { username, password }),
    judge: (status, text) => typeof successData(status, text)?.tokenAuth?.token === 'string',
  };
}

/** 6, the baseline: the raw bcrypt server compares the password and says whether it matched. */
export function rawBcryptScript(password: string): ConnectionScript {
  return {
    body: JSON.stringify({ password }),
    judge: (status, text) => successData(status, text)?.ok === true,
  };
}

export type { Session };
