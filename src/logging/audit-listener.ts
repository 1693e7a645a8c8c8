import type { GatehouseEvent } from '../store/events';
import { audit, type AuditEvent, type AuditFields } from './audit';
import type { Logger } from './logger';

/** The audit line of an event, or null for events that get none (refreshes, and endings a password change reports itself). */
export function auditLineOf(event: GatehouseEvent): [AuditEvent, AuditFields] | null {
  switch (event.type) {
    case 'session.started':
      return ['login.succeeded', { userId: event.userId, username: event.username, deviceId: event.deviceId }];
    case 'login.failed':
      return ['login.failed', { username: event.username, reason: event.reason }];
    case 'login.rate_limited':
      return ['login.rate_limited', { username: event.username, reason: 'RATE_LIMITED' }];
    case 'session.ended':
      switch (event.reason) {
        case 'reused':
          return ['refresh.reused', { userId: event.userId, deviceId: event.deviceId, reason: 'REUSED' }];
        case 'logout':
          return ['logout', { userId: event.userId, deviceId: event.deviceId }];
        case 'logout_device':
          return ['logout.device', { userId: event.userId, deviceId: event.deviceId }];
        case 'logout_others':
          return ['logout.others', { userId: event.userId, deviceId: event.deviceId }];
        case 'revoked':
          return ['token.revoked', { userId: event.userId, deviceId: event.deviceId }];
        case 'evicted':
          return ['session.evicted', { userId: event.userId, deviceId: event.deviceId, reason: 'MAX_DEVICES_PER_USER' }];
        case 'password_changed':
          return null;
      }
      return null;
    case 'password.changed':
      return ['password.changed', { userId: event.userId, count: event.endedDevices, ...(event.origin.via === 'cli' ? { reason: 'cli' } : {}) }];
    case 'app_token.created':
      return ['app_token.created', { userId: event.userId, app: event.app, count: event.replaced }];
    case 'app_token.revoked':
      return ['token.revoked', { userId: event.userId, app: event.app }];
    case 'session.refreshed':
    case 'refresh.refused':
      return null;
  }
}

/**
 * The audit log as a listener of the store's events: one line per security event, with the
 * request id of the request that caused it.
 *
 * @example gh.events.on(auditListener(gh.log));
 */
export function auditListener(log: Logger): (event: GatehouseEvent) => void {
  return (event) => {
    const line = auditLineOf(event);
    if (!line) return;
    audit(event.origin.requestId ? log.child({ reqId: event.origin.requestId }) : log, line[0], line[1]);
  };
}
