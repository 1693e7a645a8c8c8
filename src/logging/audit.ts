import type { Logger } from 'pino';

/** Security events that get an audit line. */
export type AuditEvent =
  | 'login.succeeded'
  | 'login.failed'
  | 'login.rate_limited'
  | 'refresh.reused'
  | 'logout'
  | 'logout.device'
  | 'logout.others'
  | 'token.revoked'
  | 'app_token.created'
  | 'password.changed'
  | 'password.reset'
  | 'account.registered'
  | 'email.verified'
  | 'email.changed'
  | 'account.deleted';

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

/**
 * Writes one audit line (`"audit": "<event>"`, level info) with only the allowed fields,
 * so a caller cannot leak a secret into the log by passing it along.
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
    line[key] = key === 'username' && typeof value === 'string' ? value.slice(0, 150) : value;
  }
  log.info(line, event);
}
