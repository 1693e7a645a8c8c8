import type { Gatehouse } from '../runtime';
import { createContext, type GatehouseContext, normalizeHeaders } from './context';

/** The request part of what Apollo integrations give a context function (`startStandaloneServer`, `expressMiddleware`, …). */
export interface ContextArgument {
  req: { headers: Record<string, string | string[] | undefined> };
}

/**
 * An Apollo `context` function that gives each request its Gatehouse scope
 * (`context.gatehouse`). Spread it into your own context when you have one.
 *
 * @example
 * await startStandaloneServer(apollo, { context: gatehouseContext(gh) });
 * // or: context: async (args) => ({ ...(await gatehouseContext(gh)(args)), db: myDb })
 */
export function gatehouseContext(gh: Gatehouse): (argument: ContextArgument) => Promise<GatehouseContext> {
  return async ({ req }) => createContext(gh, normalizeHeaders(req.headers));
}
