import { parseArgs } from 'node:util';
import { loadSettings } from '../../settings';
import type * as SetPassword from '../../users/set-password';
import { type Command, HELP_OPTION, PASSWORD_OPTIONS, passwordFrom, UsageError } from '../command';
import type * as OpenStore from '../open-store';

export const usersSetPassword: Command = {
  summary: "Set a user's password; ends all their sessions and app tokens.",
  usage:
    'gatehouse-graphql users set-password USERNAME (--password P | --password-stdin)\n\n' +
    '  --password P       the new password (visible in the process list; prefer --password-stdin)\n' +
    '  --password-stdin   read the new password from standard input (one line)\n\n' +
    'Every device session and app token of the user is revoked, and access tokens issued\n' +
    'before the change stop working. Running servers are told at once through Redis (REDIS_URL)\n' +
    'or PostgreSQL; otherwise they notice within JWT_SESSION_CACHE_TTL.\n',
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...HELP_OPTION, ...PASSWORD_OPTIONS },
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one USERNAME');
    const password = await passwordFrom(values, io);
    const settings = loadSettings(io.env);
    const username = positionals[0];
    const { withUserStore } = require('../open-store') as typeof OpenStore;
    const { setUserPassword } = require('../../users/set-password') as typeof SetPassword;
    await withUserStore(settings, io.err, username, async (user, cli) => {
      const done = await setUserPassword(cli.store, user.id, password, settings.passwords.bcryptRounds, { via: 'cli' });
      io.out(`Set the password of ${username}; ended ${done.endedDevices.length} device session(s) and every app token.`);
      if (cli.bus) io.out(`Told running servers through ${cli.bus}.`);
    });
    return 0;
  },
};
