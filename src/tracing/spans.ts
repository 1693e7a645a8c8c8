import { type Attributes, INVALID_SPAN_CONTEXT, ProxyTracerProvider, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

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
  if (!tracing()) return work(NO_SPAN);
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

/** The provider a `ProxyTracerProvider` delegates to while no SDK is registered: the API's own no-op. */
const NO_SDK = new ProxyTracerProvider().getDelegate();
/** What `work` is given when nothing records: the API's non-recording span (every method a no-op). */
const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Whether a tracer provider is registered, asked on every call (cheap: one global read). Without
 * one the API's tracer only makes non-recording spans and contexts for them (about 3 us an
 * operation, measured in the bench's `me`), so `inSpan` runs its work bare: nothing a host
 * can see differs (no SDK, no spans; a propagated parent stays the active context). A
 * provider from another copy of `@opentelemetry/api` counts as registered.
 *
 * @example if (tracing()) attributes = statementAttributes(statement);
 */
export function tracing(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NO_SDK;
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
    if (!tracing()) return resolve.apply(this, args);
    return inSpan(`gatehouse.${field}`, attributes, () => resolve.apply(this, args));
  } as F;
}
