/** The GraphQL documents the bench sends, and how it judges an answer. */

export const HELLO = '{ hello }';
export const TYPENAME = '{ __typename }';
export const LOGOUT = 'mutation { logout }';
export const LOGOUT_OTHERS = 'mutation { logoutOtherDevices }';
export const VERIFY = 'mutation Verify($token: String!) { verifyToken(token: $token) { payload { sub username exp sid } } }';
export const ME = '{ me { id username roles isActive } }';
export const ROTATE = 'mutation Rotate($refreshToken: String!) { refreshToken(refreshToken: $refreshToken) { token refreshToken refreshExpiresIn } }';
export const LOGIN = 'mutation Login($username: String!, $password: String!) { tokenAuth(username: $username, password: $password) { token refreshToken } }';

/** A JSON request body for a GraphQL document. */
export function body(query: string, variables?: Record<string, unknown>): string {
  return JSON.stringify(variables ? { query, variables } : { query });
}

/**
 * The data of a successful GraphQL answer, or null: an HTTP status other than 200, a body
 * that is not JSON, or a body with `errors` (GraphQL errors in a 200 answer count as failures).
 */
export function successData(status: number, text: string): Record<string, any> | null {
  if (status !== 200) return null;
  try {
    const parsed = JSON.parse(text) as { data?: Record<string, any> | null; errors?: unknown };
    return parsed.errors === undefined && parsed.data ? parsed.data : null;
  } catch {
    return null;
  }
}

/** One GraphQL request with fetch (set-up only, not load). Throws on any failure. */
export async function request(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Record<string, any>> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: body(query, variables) });
  const text = await response.text();
  const data = successData(response.status, text);
  if (!data) throw new Error(`GraphQL request failed (HTTP ${response.status}): ${text.slice(0, 300)}`);
  return data;
}

export interface Session {
  token: string;
  refreshToken: string;
}

/** Logs in with `tokenAuth`: a new device session. */
export async function login(url: string, username: string, password: string): Promise<Session> {
  const data = await request(url, LOGIN, { username, password });
  return { token: data.tokenAuth.token, refreshToken: data.tokenAuth.refreshToken };
}
