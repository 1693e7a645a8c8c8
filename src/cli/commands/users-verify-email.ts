import { parseArgs } from 'node:util';
import { loadSettings } from '../../settings';
import { UserInputError } from '../../users/input';
import { type Command, HELP_OPTION, UsageError } from '../command';
import type * as OpenStore from '../open-store';

export const usersVerifyEmail: Command = {
  summary: "Mark a user's e-mail address verified.",
  usage:
    'gatehouse-graphql users verify-email USERNAME\n\n' +
    "Marks the user's address verified without a link, as if they had followed one (an administrator\n" +
    'vouches for it). With EMAIL_VERIFICATION=required the user can then sign in.\n',
  async run(argv, io) {
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: HELP_OPTION });
    if (positionals.length !== 1) throw new UsageError('give exactly one USERNAME');
    const settings = loadSettings(io.env);
    const username = positionals[0];
    const { withUserStore } = require('../open-store') as typeof OpenStore;
    await withUserStore(settings, io.err, username, async (user, cli) => {
      if (!user.email) throw new UserInputError('INVALID_EMAIL', `${username} has no e-mail address to verify.`);
      await cli.store.markEmailVerified(user.id, { via: 'cli' });
      io.out(`Marked ${user.email} of ${username} verified.`);
    });
    return 0;
  },
};
