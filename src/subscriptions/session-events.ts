import type { RequestScope } from '../context/context';
import { principalSync } from '../context/principal';
import { BadUserInput } from '../errors';
import type { Channel } from './channel';
import type { SessionEventPayload } from './live';
import { socketOf } from './socket-scope';

/**
 * The event source of a `sessionEvents` subscription (after `@auth` let it start): a
 * channel on the caller's own socket, which the socket registry feeds with that user's
 * events only.
 *
 * @example
 * subscribe: (_root, _args, context) => sessionEventsSource(context.gatehouse)
 */
export function sessionEventsSource(scope: RequestScope): Channel<SessionEventPayload> {
  const socket = socketOf(scope);
  if (!socket) throw new BadUserInput('sessionEvents is served over WebSocket (graphql-ws) by Gatehouse\'s subscription server.');
  const principal = principalSync(scope);
  // The scope's caller is the socket's: set from it when the operation started.
  if (principal instanceof Promise || principal.claims !== socket.claims) throw new BadUserInput('sessionEvents must run on the socket it was started on.');
  return socket.sessionEvents();
}
