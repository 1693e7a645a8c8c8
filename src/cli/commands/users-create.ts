import type * as Orm from '../../db/orm';
import { loadSettings } from '../../settings';
import type * as Create from '../../users/create';
import { parseArgs } from 'node:util';
import { type Command, HELP_OPTION, PASSWORD_OPTIONS, passwordFrom, UsageError, withDatabase } from '../command';

export const usersCreate: Command = {
  summary: 'Create a user.',
  usage:
    'gatehouse-graphql users create USERNAME [--email E] [--role R]... (--password P | --password-stdin)\n\n' +
    '  --email E          the user\'s email address (it counts as verified)\n' +
    '  --role R           a role (repeat for several), e.g. --role admin\n' +
    '  --password P       the password (visible in the process list; prefer --password-stdin)\n' +
    '  --password-stdin   read the password from standard input (one line)\n',
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...HELP_OPTION,
        email: { type: 'string' },
        role: { type: 'string', multiple: true },
        ...PASSWORD_OPTIONS,
      },
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one USERNAME');
    const password = await passwordFrom(values, io);
    const settings = loadSettings(io.env);
    const { migrate } = require('../../db/orm') as typeof Orm;
    const { createUser } = require('../../users/create') as typeof Create;
    await withDatabase(settings, async (orm) => {
      await migrate(orm);
      const user = await createUser(orm.em.fork(), { username: positionals[0], password, email: values.email, roles: values.role }, settings.passwords.bcryptRounds);
      io.out(`Created user ${user.username} (id ${user.id}${user.roles.length ? `, roles ${user.roles.join(', ')}` : ''}).`);
    });
    return 0;
  },
};
