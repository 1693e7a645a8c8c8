import type { Gatehouse } from '../runtime';
import { signAccessToken } from '../tokens/access/sign';
import type { AccessClaims } from '../tokens/access/claims';
import type { UserSnapshot } from './cache';

export interface IssuedAccess {
  token: string;
  claims: AccessClaims;
}

/** Signs an access token for a user, with the hook's extra claims. */
export async function issueAccessToken(
  gh: Gatehouse,
  user: UserSnapshot,
  origin: { origIat: number; sid?: string; app?: string; apiType?: string },
  now: number,
): Promise<IssuedAccess> {
  const extra = gh.hooks.extraClaims ? await gh.hooks.extraClaims(user) : undefined;
  return signAccessToken(
    { userId: user.id, username: user.username, origIat: origin.origIat, sid: origin.sid, app: origin.app, apiType: origin.apiType, extra },
    gh.settings,
    gh.keys,
    now,
  );
}
