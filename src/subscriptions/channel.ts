/** Events one subscription may hold unsent; past it the oldest is dropped (a client that does not read cannot grow memory). */
export const CHANNEL_CAPACITY = 64;

/**
 * The event source of one subscription: an async iterator fed by `push`. graphql-ws reads
 * it with `for await`, and asks for the next value only after it has sent the previous one
 * (`emit.next` awaits the socket's send callback), so `push(value)` can tell when `value`
 * has been handed to the socket: its promise resolves then (or when the channel ends). That
 * is how a socket that an event ends gets the event before its close.
 *
 * @example
 * const channel = new Channel<SessionEventPayload>(() => registry.forget(channel));
 * await channel.push(event); // sent (or the subscription is gone)
 */
export class Channel<T> implements AsyncIterableIterator<T> {
  private readonly queue: { value: T; sent: () => void }[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  /** Resolves the promise of the value the consumer took last, once it asks for the next one. */
  private handedOver: (() => void) | undefined;
  private ended = false;

  constructor(private readonly onEnd: () => void = () => undefined) {}

  /** Queues a value; resolves once the consumer has taken it and asked for the next (it was sent), or the channel ended. */
  push(value: T): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise<void>((sent) => {
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = undefined;
        this.handedOver = sent;
        resolve({ value, done: false });
        return;
      }
      if (this.queue.length >= CHANNEL_CAPACITY) this.queue.shift()!.sent();
      this.queue.push({ value, sent });
    });
  }

  next(): Promise<IteratorResult<T>> {
    this.handedOver?.();
    this.handedOver = undefined;
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    const first = this.queue.shift();
    if (first) {
      this.handedOver = first.sent;
      return Promise.resolve({ value: first.value, done: false });
    }
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** Ends the subscription (the client completed it, or the socket closed). */
  return(): Promise<IteratorResult<T>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<T>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Ends the channel: the consumer's loop finishes, every pending `push` resolves. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.handedOver?.();
    this.handedOver = undefined;
    for (const { sent } of this.queue.splice(0)) sent();
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
    this.onEnd();
  }
}
