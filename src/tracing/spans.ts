import { type Attributes, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/** The instrumentation scope of Gatehouse's spans. */
export const TRACER_NAME = 'gatehouse-graphql';

/**
 * Runs `work` inside a span through `@opentelemetry/api`: a no-op unless the host registered
 * an OpenTelemetry SDK. A synchronous `work` stays synchronous (no promise is added). A
 * failure marks the span as an error with the contract's code (`gatehouse.error.code`,
 * `gatehouse.error.reason`) and nothing else from the error: messages and stacks stay out.
 *
 * Attributes are the caller's to choose and must never hold a secret, token, password,
 * username or address: only names from the code (operation, statement kind, SQL text with
 * its `?` placeholders).
 *
 * @example
 * const rows = await inSpan('gatehouse.db.select', { 'db.operation.name': 'select' }, () => em.execute(sql, params));
 */
export function inSpan<T>(name: string, attributes: Attributes, work: (span: Span) => T): T {
  // Asked each time: a provider registered after Gatehouse was loaded is used from then on.
  const tracer = trace.getTracer(TRACER_NAME);
  return tracer.startActiveSpan(name, { kind: SpanKind.INTERNAL, attributes }, (span) => {
    let result: T;
    try {
      result = work(span);
    } catch (error) {
      fail(span, error);
      span.end();
      throw error;
    }
    if (isThenable(result)) {
      return result.then(
        (value) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          fail(span, error);
          span.end();
          throw error;
        },
      ) as T;
    }
    span.end();
    return result;
  });
}

function fail(span: Span, error: unknown): void {
  const { code, reason } = (error ?? {}) as { code?: unknown; reason?: unknown };
  span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === 'string' ? code : 'error' });
  if (typeof code === 'string') span.setAttribute('gatehouse.error.code', code);
  if (typeof reason === 'string') span.setAttribute('gatehouse.error.reason', reason);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/**
 * Wraps a root field's resolver so each call is a span named `gatehouse.<field>`
 * (`gatehouse.tokenAuth`, `gatehouse.refreshToken`, …). Arguments never become attributes.
 *
 * @example
 * const resolve = tracedOperation('Mutation', 'verifyToken', (root, args, context) => …);
 */
export function tracedOperation<F extends (...args: any[]) => unknown>(type: 'Query' | 'Mutation', field: string, resolve: F): F {
  const attributes: Attributes = { 'graphql.operation.type': type.toLowerCase(), 'gatehouse.operation': field };
  return function (this: unknown, ...args: Parameters<F>) {
    return inSpan(`gatehouse.${field}`, attributes, () => resolve.apply(this, args));
  } as F;
}
