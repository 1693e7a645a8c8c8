import type { AuthPayloadSource, Gatehouse } from '../../runtime';
import type { UserSnapshot } from '../../sessions/cache';
import type { AuthPayloadType } from './payloads';

/** Passes an `AuthPayload` through the `authPayload` hook, when there is one. */
export async function shapePayload(gh: Gatehouse, payload: AuthPayloadType, user: UserSnapshot, source: AuthPayloadSource): Promise<AuthPayloadType> {
  // The hook's result is plain data of the same shape (`AuthPayload`), which is what the class is.
  return gh.hooks.authPayload ? gh.hooks.authPayload(payload, { user, source }) : payload;
}
