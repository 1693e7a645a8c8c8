import type { RequestScope } from '../context/context';
import type { LiveSocket } from './live';

/** The signed-in socket an operation's scope runs on (set by the WebSocket server for each operation). */
const sockets = new WeakMap<RequestScope, LiveSocket>();

/** Ties an operation's scope to its socket, so `sessionEvents` can subscribe on that socket. */
export function bindSocket(scope: RequestScope, socket: LiveSocket): void {
  sockets.set(scope, socket);
}

/**
 * The signed-in socket of an operation, or undefined when the operation did not come over
 * Gatehouse's WebSocket server (or came anonymously).
 *
 * @example
 * const socket = socketOf(context.gatehouse);
 */
export function socketOf(scope: RequestScope): LiveSocket | undefined {
  return sockets.get(scope);
}
