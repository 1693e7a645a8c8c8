import { parseArgs } from 'node:util';
import { migrate } from '../../db/orm';
import { User } from '../../entities';
import { loadSettings } from '../../settings';
import { UserInputError } from '../../users/create';
import { type Command, HELP_OPTION, UsageError, withDatabase } from '../command';
import { openCliStore } from '../open-store';

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
    await withDatabase(settings, async (orm) => {
      await migrate(orm);
      const user = await orm.em.fork().findOne(User, { username });
      if (!user) throw new UserInputError('UNKNOWN_USER', `There is no user named "${username}".`);
      if (!user.email) throw new UserInputError('INVALID_EMAIL', `${username} has no e-mail address to verify.`);
      const cli = await openCliStore(settings, orm, io.err);
      try {
        await cli.store.markEmailVerified(user.id, { via: 'cli' });
        io.out(`Marked ${user.email} of ${username} verified.`);
      } finally {
        await cli.close();
      }
    });
    return 0;
  },
};
