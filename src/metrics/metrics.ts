import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { DurationHistogram } from './duration-histogram';

/** What an HTTP request to Gatehouse was, for the duration histogram: a bounded set, never the operation's name. */
export type OperationKind = 'query' | 'mutation' | 'subscription' | 'other';

/** The operation kinds, in the order scrapes list them. */
export const OPERATION_KINDS: readonly OperationKind[] = ['query', 'mutation', 'subscription', 'other'];

/** The outcomes `gatehouse_logins_total` counts. */
export const LOGIN_OUTCOMES = ['success', 'failure', 'rate_limited'] as const;
/** The outcomes `gatehouse_refreshes_total` counts (device refresh tokens). */
export const REFRESH_OUTCOMES = ['rotated', 'grace', 'reused', 'invalid'] as const;
/** The reasons `gatehouse_sessions_ended_total` starts with (others appear when they first happen). */
export const END_REASONS = ['logout', 'logout_device', 'logout_others', 'revoked', 'reused', 'password_changed'] as const;

/**
 * The Prometheus metrics of one Gatehouse instance, in its own registry (so several
 * instances in one process never collide, and nothing lands in prom-client's global
 * registry). Label values come from fixed lists or from the store's typed event fields:
 * never a username, address, token or operation name.
 *
 * @example
 * const metrics = new GatehouseMetrics();
 * metrics.logins.inc({ outcome: 'success' });
 * await metrics.registry.metrics(); // the text a scrape gets
 */
export class GatehouseMetrics {
  readonly registry = new Registry();
  readonly logins: Counter<'outcome'>;
  readonly refreshes: Counter<'outcome'>;
  readonly sessionsEnded: Counter<'reason'>;
  /** HTTP request durations by operation kind (see `observeRequest`). */
  readonly requestDuration: DurationHistogram<OperationKind>;
  readonly subscriptionsActive: Gauge;
  private processMetrics = false;

  constructor() {
    const registers = [this.registry];
    this.logins = new Counter({ name: 'gatehouse_logins_total', help: 'Password logins (tokenAuth) by outcome.', labelNames: ['outcome'], registers });
    this.refreshes = new Counter({ name: 'gatehouse_refreshes_total', help: 'Device refresh-token rotations by outcome.', labelNames: ['outcome'], registers });
    this.sessionsEnded = new Counter({ name: 'gatehouse_sessions_ended_total', help: 'Device sessions ended, by reason.', labelNames: ['reason'], registers });
    this.requestDuration = new DurationHistogram({
      name: 'gatehouse_http_request_duration_seconds',
      help: 'HTTP request duration by GraphQL operation kind (other: health, JWKS, refused requests).',
      labelName: 'kind',
      values: OPERATION_KINDS,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registry: this.registry,
    });
    this.subscriptionsActive = new Gauge({ name: 'gatehouse_subscriptions_active', help: 'GraphQL subscriptions open now.', registers });
    // Every series from the first scrape on, so a rate() sees the first event.
    for (const outcome of LOGIN_OUTCOMES) this.logins.inc({ outcome }, 0);
    for (const outcome of REFRESH_OUTCOMES) this.refreshes.inc({ outcome }, 0);
    for (const reason of END_REASONS) this.sessionsEnded.inc({ reason }, 0);
  }

  /** One request's duration, in seconds, under its operation kind (`other` when none: health, JWKS, refused requests). */
  observeRequest(kind: OperationKind | undefined, seconds: number): void {
    this.requestDuration.observe(kind ?? 'other', seconds);
  }

  /** Adds the process's own metrics (CPU, memory, event-loop lag, handles: prom-client's defaults) to this registry, once. */
  collectProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * One more open subscription; returns the function that counts it closed (only the first
   * call counts). For the subscriptions transport: call it when a subscription starts.
   *
   * @example
   * const closed = gh.metrics.subscriptionOpened();
   * try { for await (const event of stream) yield event; } finally { closed(); }
   */
  subscriptionOpened(): () => void {
    this.subscriptionsActive.inc();
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.subscriptionsActive.dec();
    };
  }
}

/** The kind of a GraphQL operation type, or `other` when there is none. */
export function operationKindOf(operation: string | undefined): OperationKind {
  return operation === 'query' || operation === 'mutation' || operation === 'subscription' ? operation : 'other';
}
