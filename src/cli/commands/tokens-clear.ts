import { parseArgs } from 'node:util';
import { clearTokens } from '../../maintenance/clear-tokens';
import { loadSettings } from '../../settings';
import { systemClock } from '../../util/clock';
import { type Command, HELP_OPTION, UsageError, withDatabase } from '../command';

export const tokensClear: Command = {
  summary: 'Delete expired and revoked tokens and ended devices.',
  usage:
    'gatehouse-graphql tokens clear\n\nDeletes revoked refresh tokens and ended (logged-out or expired) devices with their tokens.\n' +
    'Live sessions and app tokens are kept. Safe to run while the server serves (e.g. daily from cron).\n',
  async run(argv, io) {
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: HELP_OPTION });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const cleared = await withDatabase(loadSettings(io.env), (orm) => clearTokens(orm.em.fork(), systemClock.now()));
    io.out(`Deleted ${cleared.tokens} token(s) and ${cleared.devices} device(s).`);
    return 0;
  },
};
