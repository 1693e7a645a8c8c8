/**
 * The `gatehouse-graphql` command line (`npx gatehouse-graphql …` inside a project that has the package). Exit codes: 0 done, 1 failed, 2 usage error.
 */
import 'reflect-metadata';
import { GatehouseError } from '../errors';
import { SettingsError } from '../settings';
import { UserInputError } from '../users/input';
import { type Command, type Io, UsageError } from './command';
import { keysGenerate } from './commands/keys-generate';
import { migrate } from './commands/migrate';
import { tokensClear } from './commands/tokens-clear';
import { usersCreate } from './commands/users-create';
import { usersSetPassword } from './commands/users-set-password';
import { usersVerifyEmail } from './commands/users-verify-email';
import { mailRetry, mailStatus, mailTest } from './commands/mail';

/**
 * Every command, by the words that name it. Add new commands here (one file each in commands/).
 * A command loads what it works with (the ORM, the mail worker, …) when it runs, not when
 * this table is read: `--help` and usage errors stay quick.
 */
const COMMANDS: Record<string, Command> = {
  'users create': usersCreate,
  'users set-password': usersSetPassword,
  'users verify-email': usersVerifyEmail,
  migrate,
  'tokens clear': tokensClear,
  'keys generate': keysGenerate,
  'mail test': mailTest,
  'mail status': mailStatus,
  'mail retry': mailRetry,
};

/** The name of every command, as typed (`users create`, `migrate`, …). */
export function commandNames(): string[] {
  return Object.keys(COMMANDS);
}

function generalHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return `Usage: gatehouse-graphql COMMAND [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "gatehouse-graphql COMMAND --help" for a command's options. Settings come from the environment (see README).\n`;
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
    io.err(`gatehouse-graphql: unknown command "${argv.join(' ')}"\n\n${generalHelp()}`);
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
      io.err(`gatehouse-graphql ${name}: ${(error as Error).message}\nUsage: ${command.usage}`);
      return 2;
    }
    // Domain errors carry a message meant for people: exit 1 with it (the contract's code in front for Gatehouse's own).
    if (error instanceof GatehouseError) {
      io.err(`gatehouse-graphql ${name}: ${error.code}: ${error.message}`);
      return 1;
    }
    if (error instanceof UserInputError || error instanceof SettingsError) {
      io.err(`gatehouse-graphql ${name}: ${error.message}`);
      return 1;
    }
    io.err(`gatehouse-graphql ${name}: failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    if (process.stdin.isTTY) {
      reject(new UsageError('--password-stdin reads from a pipe, e.g. echo "$PASSWORD" | gatehouse-graphql users create NAME --password-stdin'));
      return;
    }
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => (text += chunk));
    process.stdin.on('end', () => resolve(text));
    process.stdin.on('error', reject);
  });
}

/** Runs the CLI for this process (`bin/gatehouse-graphql.js`) and exits with its code. */
export function runFromProcess(): void {
  runCli(process.argv.slice(2), {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    readStdin,
    env: process.env,
  }).then((code) => process.exit(code));
}

if (require.main === module) runFromProcess();
