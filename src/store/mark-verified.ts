import type { StoreDeps } from './deps';
import type { Origin } from './events';
import { affected } from './rows';
import { settle } from './settle';
import { execute } from './execute';
import { statementsEm } from './statements-em';

const MARK = 'update gatehouse_user set email_verified = ? where id = ? and email is not null';

/**
 * Marks a user's address verified without a link (an administrator's `gatehouse users
 * verify-email`), dropping the user from every cache; emits `email.verified`. False when
 * there is no such user or it has no address.
 *
 * @example await markEmailVerified(deps, user.id, { via: 'cli' });
 */
export async function markEmailVerified(deps: StoreDeps, userId: string, origin: Origin): Promise<boolean> {
  const now = deps.clock.now();
  const em = statementsEm(deps.orm);
  const done = affected(await execute(em, MARK, [true, userId], 'run')) === 1;
  if (done) await settle(deps, { invalidations: [{ kind: 'user', id: userId }], events: [{ type: 'email.verified', at: now, origin, userId }] });
  return done;
}
