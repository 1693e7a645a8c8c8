/**
 * Variables that look like Gatehouse settings but are not in the table, usually a typo that
 * would otherwise be ignored silently. Pure: the server prints one warning line for each.
 *
 * @example
 * unknownSettings({ JWT_EXPIRATOIN_DELTA: '15m', PATH: '/usr/bin' });
 * // [{ variable: 'JWT_EXPIRATOIN_DELTA', suggestion: 'JWT_EXPIRATION_DELTA' }]
 */
import type { Env } from './load';
import { SETTINGS } from './table';

export interface UnknownSetting {
  readonly variable: string;
  /** The table's nearest variable name, when it is near enough to be a likely typo. */
  readonly suggestion: string | null;
}

/** A variable with one of these prefixes is taken to be meant for Gatehouse. */
const PREFIXES = ['JWT_', 'GATEHOUSE_', 'LOGIN_', 'GRAPHQL_', 'DATABASE_', 'REDIS_', 'BCRYPT_', 'SHUTDOWN_'];

/**
 * Gatehouse-looking variables that are not settings: the test suite's own switches
 * (test/support/services.ts, test/support/redis.ts), which CI exports to every process.
 */
const NOT_SETTINGS = new Set(['GATEHOUSE_REQUIRE_SERVICES', 'REDIS_TEST_URL']);

const KNOWN = new Set<string>(SETTINGS.map((row) => row.variable));

/** Levenshtein distance (insert, delete, substitute) with adjacent swaps counting one (`EXPIRATOIN`). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The nearest known name within a third of its length (at least 2 edits), or null. */
function suggest(variable: string): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const known of KNOWN) {
    const distance = editDistance(variable, known);
    if (distance < bestDistance) [best, bestDistance] = [known, distance];
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : null;
}

/** Every variable in `env` with a Gatehouse prefix that is not a setting, sorted by name. */
export function unknownSettings(env: Env): UnknownSetting[] {
  return Object.keys(env)
    .filter((name) => env[name] !== undefined && PREFIXES.some((prefix) => name.startsWith(prefix)) && !KNOWN.has(name) && !NOT_SETTINGS.has(name))
    .sort()
    .map((variable) => ({ variable, suggestion: suggest(variable) }));
}
