import { migrate } from '../../db/orm';
import { loadSettings } from '../../settings';
import { createUser } from '../../users/create';
import { parseArgs } from 'node:util';
import { type Command, HELP_OPTION, UsageError, withDatabase } from '../command';

export const usersCreate: Command = {
  summary: 'Create a user.',
  usage:
    'gatehouse users create USERNAME [--email E] [--role R]... (--password P | --password-stdin)\n\n' +
    '  --email E          the user\'s email address\n' +
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
        password: { type: 'string' },
        'password-stdin': { type: 'boolean' },
      },
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one USERNAME');
    if ((values.password !== undefined) === (values['password-stdin'] === true)) {
      throw new UsageError('give either --password P or --password-stdin');
    }
    const password = values.password ?? (await io.readStdin()).replace(/\r?\n$/, '');
    const settings = loadSettings(io.env);
    await withDatabase(settings, async (orm) => {
      await migrate(orm);
      const user = await createUser(orm.em.fork(), { username: positionals[0], password, email: values.email, roles: values.role }, settings.bcryptRounds);
      io.out(`Created user ${user.username} (id ${user.id}${user.roles.length ? `, roles ${user.roles.join(', ')}` : ''}).`);
    });
    return 0;
  },
};
