/**
 * The `gatehouse` command line (`npx gatehouse …`). Exit codes: 0 done, 1 failed, 2 usage error.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { MikroORM } from '@mikro-orm/core';
import { migrate, openDatabase } from '../db/orm';
import { loadSettings, type Settings, SettingsError } from '../settings';
import { createUser, UserInputError } from '../users/create';

export class UsageError extends Error {}

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  readStdin: () => Promise<string>;
  env: Record<string, string | undefined>;
}

interface Command {
  summary: string;
  usage: string;
  run(argv: string[], io: Io): Promise<number>;
}

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

async function withDatabase<T>(settings: Settings, fn: (orm: MikroORM) => Promise<T>): Promise<T> {
  const orm = await openDatabase(settings);
  try {
    return await fn(orm);
  } finally {
    await orm.close(true);
  }
}

const COMMANDS: Record<string, Command> = {
  'users create': {
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
  },
  migrate: {
    summary: 'Apply pending database migrations.',
    usage: 'gatehouse migrate\n\nApplies every pending migration to DATABASE_URL (npm start does this too).\n',
    async run(argv, io) {
      const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: HELP_OPTION });
      if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
      const applied = await withDatabase(loadSettings(io.env), migrate);
      io.out(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'No pending migrations.');
      return 0;
    },
  },
};

function generalHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return `Usage: gatehouse COMMAND [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "gatehouse COMMAND --help" for a command's options. Settings come from the environment (see README).\n`;
}

/** Runs the CLI with arguments (without `node` and the script); resolves to the exit code. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(generalHelp());
    return argv.length === 0 ? 2 : 0;
  }
  const name = Object.keys(COMMANDS).find((candidate) => {
    const words = candidate.split(' ');
    return words.every((word, index) => argv[index] === word);
  });
  if (!name) {
    io.err(`gatehouse: unknown command "${argv.join(' ')}"\n\n${generalHelp()}`);
    return 2;
  }
  const command = COMMANDS[name];
  const rest = argv.slice(name.split(' ').length);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`Usage: ${command.usage}`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`gatehouse ${name}: ${(error as Error).message}\nUsage: ${command.usage}`);
      return 2;
    }
    if (error instanceof UserInputError || error instanceof SettingsError) {
      io.err(`gatehouse ${name}: ${error.message}`);
      return 1;
    }
    io.err(`gatehouse ${name}: failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    if (process.stdin.isTTY) {
      reject(new UsageError('--password-stdin reads from a pipe, e.g. echo "$PASSWORD" | gatehouse users create NAME --password-stdin'));
      return;
    }
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => (text += chunk));
    process.stdin.on('end', () => resolve(text));
    process.stdin.on('error', reject);
  });
}

if (require.main === module) {
  runCli(process.argv.slice(2), {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    readStdin,
    env: process.env,
  }).then((code) => process.exit(code));
}
