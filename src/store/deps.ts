import type { MikroORM } from '@mikro-orm/core';
import type { Settings } from '../settings';
import type { Clock } from '../util/clock';
import type { SettleDeps } from './settle';

/** What the session store works with: the database, the clock, the settings, and what `settle` needs. */
export interface StoreDeps extends SettleDeps {
  orm: MikroORM;
  clock: Clock;
  settings: Pick<Settings, 'tokens' | 'sessions'>;
}
