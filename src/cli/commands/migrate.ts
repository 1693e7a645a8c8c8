import type * as Orm from '../../db/orm';
import { loadSettings } from '../../settings';
import { parseArgs } from 'node:util';
import { type Command, HELP_OPTION, UsageError, withDatabase } from '../command';

export const migrate: Command = {
  summary: 'Apply pending database migrations.',
  usage: 'gatehouse-graphql migrate\n\nApplies every pending migration to DATABASE_URL (npm start does this too).\n',
  async run(argv, io) {
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: HELP_OPTION });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const { migrate: applyMigrations } = require('../../db/orm') as typeof Orm;
    const applied = await withDatabase(loadSettings(io.env), applyMigrations);
    io.out(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'No pending migrations.');
    return 0;
  },
};
