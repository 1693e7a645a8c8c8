import { parseArgs } from 'node:util';
import { clearTokens } from '../../maintenance/clear-tokens';
import { loadSettings } from '../../settings';
import { systemClock } from '../../util/clock';
import { type Command, HELP_OPTION, UsageError, withDatabase } from '../command';

export const tokensClear: Command = {
  summary: 'Delete expired and revoked tokens and ended devices.',
  usage:
    'gatehouse tokens clear\n\nDeletes revoked refresh tokens and ended (logged-out or expired) devices with their tokens.\n' +
    'Live sessions and app tokens are kept; rotated tokens lose their sealed successor once past the grace window. Safe to run while the server serves (e.g. daily from cron).\n',
  async run(argv, io) {
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: HELP_OPTION });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const settings = loadSettings(io.env);
    const cleared = await withDatabase(settings, (orm) => clearTokens(orm.em.fork(), systemClock.now(), settings.sessions.reuseInterval));
    io.out(`Deleted ${cleared.tokens} token(s) and ${cleared.devices} device(s); cleared ${cleared.sealed} sealed successor(s).`);
    return 0;
  },
};
