/**
 * A small cookie jar for tests, enough for Gatehouse's refresh cookie: it stores what
 * `Set-Cookie` says (Max-Age=0 deletes), sends cookies only under their Path, and keeps the
 * attributes so tests can check them. (It ignores Secure, as a browser does on localhost.)
 */
export interface StoredCookie {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
}

export class CookieJar {
  readonly cookies = new Map<string, StoredCookie>();

  /** Reads every Set-Cookie of a response; returns what was set. */
  take(headers: Headers): StoredCookie[] {
    const set = headers.getSetCookie().map(parseSetCookie);
    for (const cookie of set) {
      const maxAge = cookie.attributes['max-age'];
      if (maxAge !== undefined && Number(maxAge) <= 0) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie);
    }
    return set;
  }

  /** The Cookie header for a request to this URL (none when nothing matches). */
  header(url: string): Record<string, string> {
    const path = new URL(url).pathname;
    const sent = [...this.cookies.values()].filter((cookie) => {
      const scope = String(cookie.attributes.path ?? '/');
      return path === scope || path.startsWith(scope.endsWith('/') ? scope : `${scope}/`);
    });
    return sent.length ? { cookie: sent.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ') } : {};
  }

  /** A fetch that sends and stores cookies, like a browser with `credentials: 'include'`. */
  fetch: typeof fetch = async (input, init) => {
    const url = String(input);
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(this.header(url))) headers.set(name, value);
    const response = await fetch(input, { ...init, headers });
    this.take(response.headers);
    return response;
  };
}

export function parseSetCookie(line: string): StoredCookie {
  const [pair, ...rest] = line.split(';');
  const index = pair.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const part of rest) {
    const [key, ...value] = part.trim().split('=');
    attributes[key.toLowerCase()] = value.length ? value.join('=') : true;
  }
  return { name: pair.slice(0, index).trim(), value: pair.slice(index + 1).trim(), attributes };
}
