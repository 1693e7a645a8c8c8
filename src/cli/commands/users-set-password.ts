import { parseArgs } from 'node:util';
import { migrate } from '../../db/orm';
import { User } from '../../entities';
import { chooseBus } from '../../cluster/choose';
import { type Invalidation, SessionCache } from '../../sessions/cache';
import { loadSettings, type Settings } from '../../settings';
import { UserInputError } from '../../users/create';
import { setPassword } from '../../users/set-password';
import { type Command, HELP_OPTION, PASSWORD_OPTIONS, passwordFrom, UsageError, withDatabase } from '../command';

/**
 * Tells running servers to drop what they cached about the user and the ended devices, over
 * the same bus they listen on (Redis, or PostgreSQL LISTEN/NOTIFY), so the change takes
 * effect within a second instead of within JWT_SESSION_CACHE_TTL. Returns the bus's name,
 * or null when there is none (one SQLite process) or it could not be reached.
 */
async function tellRunningServers(settings: Settings, events: Invalidation[]): Promise<string | null> {
  const bus = chooseBus(settings, () => undefined);
  if (bus.name === 'local') return null;
  try {
    await bus.attach(new SessionCache(0));
    for (const event of events) await bus.announce(event);
    return bus.name;
  } catch {
    return null;
  } finally {
    await bus.close();
  }
}

export const usersSetPassword: Command = {
  summary: "Set a user's password; ends all their sessions and app tokens.",
  usage:
    'gatehouse users set-password USERNAME (--password P | --password-stdin)\n\n' +
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
    await withDatabase(settings, async (orm) => {
      await migrate(orm);
      const em = orm.em.fork();
      const user = await em.findOne(User, { username });
      if (!user) throw new UserInputError('UNKNOWN_USER', `There is no user named "${username}".`);
      const done = await setPassword(em, user.id, password, settings.bcryptRounds);
      io.out(`Set the password of ${username}; ended ${done!.endedDevices.length} device session(s) and every app token.`);
      const told = await tellRunningServers(settings, [{ kind: 'user', id: user.id }, ...done!.endedDevices.map((id) => ({ kind: 'device' as const, id }))]);
      if (told) io.out(`Told running servers through ${told}.`);
    });
    return 0;
  },
};
