import type { Logger } from 'pino';
import { printable } from '../util/printable';

/** Security events that get an audit line. */
export type AuditEvent =
  | 'login.succeeded'
  | 'login.failed'
  | 'login.rate_limited'
  | 'refresh.reused'
  | 'logout'
  | 'logout.device'
  | 'logout.others'
  | 'session.evicted'
  | 'token.revoked'
  | 'app_token.created'
  | 'password.changed';

/** What an audit line may say. Nothing else is written: no passwords, no tokens, no hashes. */
export interface AuditFields {
  userId?: string | null;
  username?: string | null;
  deviceId?: string | null;
  app?: string | null;
  /** A short machine-readable cause, e.g. an error code or reason. */
  reason?: string | null;
  /** How many things the event touched (devices ended, tokens revoked). */
  count?: number | null;
}

const ALLOWED: ReadonlyArray<keyof AuditFields> = ['userId', 'username', 'deviceId', 'app', 'reason', 'count'];

/** Longest text an audit field keeps, code points. */
export const MAX_AUDIT_TEXT = 150;

/**
 * Writes one audit line (`"audit": "<event>"`, level info) with only the allowed fields,
 * so a caller cannot leak a secret into the log by passing it along. Every text field is
 * made `printable` (no control, escape or bidi characters, whitespace collapsed, at most
 * `MAX_AUDIT_TEXT` code points): a username typed by an attacker cannot forge or hide
 * lines in a terminal or a log viewer.
 *
 * @example
 * audit(log, 'password.changed', { userId: user.id });
 * // {"level":30,"time":"…","reqId":"…","audit":"password.changed","userId":"…","msg":"password.changed"}
 */
export function audit(log: Logger, event: AuditEvent, fields: AuditFields = {}): void {
  const line: Record<string, unknown> = { audit: event };
  for (const key of ALLOWED) {
    const value = fields[key];
    if (value === undefined || value === null) continue;
    line[key] = typeof value === 'string' ? printable(value, MAX_AUDIT_TEXT) : value;
  }
  log.info(line, event);
}
