import type { Gatehouse } from '../runtime';
import { clientAddress } from '../server/client-address';
import { createContext, type GatehouseContext, normalizeHeaders } from './context';

/**
 * The request part of what Apollo integrations give a context function (`startStandaloneServer`,
 * `expressMiddleware`, …). Written so that Node's `IncomingMessage` fits under
 * `exactOptionalPropertyTypes` too (its `remoteAddress` is `string | undefined`).
 */
export interface ContextArgument {
  req: { headers: Record<string, string | string[] | undefined>; socket?: { remoteAddress?: string | undefined } | undefined };
}

/**
 * An Apollo `context` function that gives each request its Gatehouse scope
 * (`context.gatehouse`), with the client address for the login limits (`TRUST_PROXY` says
 * whether `X-Forwarded-For` is believed). Spread it into your own context when you have one.
 *
 * @example
 * await startStandaloneServer(apollo, { context: gatehouseContext(gh) });
 * // or: context: async (args) => ({ ...(await gatehouseContext(gh)(args)), db: myDb })
 */
export function gatehouseContext(gh: Gatehouse): (argument: ContextArgument) => Promise<GatehouseContext> {
  return async ({ req }) =>
    createContext(gh, normalizeHeaders(req.headers), clientAddress(req.socket?.remoteAddress, req.headers['x-forwarded-for'], gh.settings.server.trustProxy));
}
