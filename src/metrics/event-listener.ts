import type { GatehouseEvent } from '../store/events';
import type { GatehouseMetrics } from './metrics';

/**
 * The counters as a listener of the store's events (the one place that says which event
 * moves which counter). Labels are the events' own bounded fields (outcome, reason): the
 * username and ids they also carry never become labels.
 *
 * @example gh.events.on(metricsListener(gh.metrics));
 */
export function metricsListener(metrics: GatehouseMetrics): (event: GatehouseEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'session.started':
        return metrics.logins.inc({ outcome: 'success' });
      case 'login.failed':
        return metrics.logins.inc({ outcome: 'failure' });
      case 'login.rate_limited':
        return metrics.logins.inc({ outcome: 'rate_limited' });
      case 'session.refreshed':
        return metrics.refreshes.inc({ outcome: event.outcome });
      case 'refresh.refused':
        // REUSED is theft detection; every other refusal (unknown, expired, revoked) is invalid.
        return metrics.refreshes.inc({ outcome: event.reason === 'REUSED' ? 'reused' : 'invalid' });
      case 'session.ended':
        return metrics.sessionsEnded.inc({ reason: event.reason });
      default:
        return undefined;
    }
  };
}
