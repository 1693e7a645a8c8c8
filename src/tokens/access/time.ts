import type { AccessClaims } from './claims';

/** jsonwebtoken's time rules: not before `nbf - leeway`, expired from `exp + leeway` on. */
export function timeProblem(claims: Pick<AccessClaims, 'exp' | 'nbf'>, leeway: number, now: number): 'INVALID_TOKEN' | 'TOKEN_EXPIRED' | null {
  if (claims.nbf !== undefined && claims.nbf > now + leeway) return 'INVALID_TOKEN';
  if (now >= claims.exp + leeway) return 'TOKEN_EXPIRED';
  return null;
}
