import { parseArgs } from 'node:util';

/** What `npm run bench -- <flags>` can change. */
export interface BenchOptions {
  /** Seconds of measured load per scenario (split over `rounds` for the interleaved ones). */
  duration: number;
  /** Concurrent connections of the load generator. */
  connections: number;
  /** Interleaved rounds for 1–4 (6 uses a third as many, its requests being slow), so drift hits every side alike. */
  rounds: number;
  /** Seconds of unmeasured load per scenario before measuring (JIT, caches, connection pools). */
  warmup: number;
  /** Seconds of idle event-loop windows (7), split over the rounds. */
  idle: number;
  /** bcrypt cost for `tokenAuth` and the raw bcrypt baseline (6); the product default is 12. */
  bcryptRounds: number;
  /** Scenario numbers to run (1–8); all by default. */
  only: Set<number>;
  /** Run the PostgreSQL scenarios when PostgreSQL answers (default true). */
  postgres: boolean;
  /** Pin the server and the load generator to CPUs of their own for 1–4 (default true). */
  pin: boolean;
  /** Start servers with `--cpu-prof` and keep the profiles in this folder. */
  profileDir: string | null;
  /** Where the figures are written as JSON. */
  json: string;
}

export const USAGE = `npm run bench -- [flags]

  --duration S        seconds of measured load per scenario (default 15; 1-4 run as one 4xS s soak)
  --connections N     concurrent connections (default 10)
  --rounds N          interleaved rounds for 1-4 (default 6; 6 uses a third as many)
  --warmup S          unmeasured seconds per scenario before measuring (default 1)
  --idle S            idle event-loop windows in all, before the tokenAuth phases (default 5)
  --bcrypt-rounds N   bcrypt cost for tokenAuth and the raw bcrypt baseline (default 12)
  --only 1,2,5        run only these scenarios (1-7; 8 is the RSS check of the 1-4 soak)
  --no-postgres       SQLite only
  --no-pin            let the server and the load generator share every CPU in 1-4
                      (by default the server runs on CPU 1 and the load generator on CPU 0)
  --profile DIR       start the servers with --cpu-prof, profiles in DIR
  --json FILE         where to write the figures (default bench/results.json)
  --help`;

function positive(name: string, text: string | undefined, fallback: number, integer: boolean): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name} must be a positive ${integer ? 'whole ' : ''}number, not "${text}"`);
  }
  return value;
}

/** Parses the command line; throws with a one-line message on a bad flag. */
export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      idle: { type: 'string' },
      'bcrypt-rounds': { type: 'string' },
      only: { type: 'string' },
      'no-postgres': { type: 'boolean' },
      'no-pin': { type: 'boolean' },
      profile: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const only = new Set<number>();
  for (const part of (values.only ?? '1,2,3,4,5,6,7,8').split(',')) {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n < 1 || n > 8) throw new Error(`--only takes scenario numbers 1 to 8, not "${part}"`);
    only.add(n);
  }
  const bcryptRounds = positive('bcrypt-rounds', values['bcrypt-rounds'], 12, true);
  if (bcryptRounds < 4 || bcryptRounds > 31) throw new Error('--bcrypt-rounds must be from 4 to 31');
  return {
    duration: positive('duration', values.duration, 15, false),
    connections: positive('connections', values.connections, 10, true),
    rounds: positive('rounds', values.rounds, 6, true),
    warmup: values.warmup === '0' ? 0 : positive('warmup', values.warmup, 1, false),
    idle: positive('idle', values.idle, 5, false),
    bcryptRounds,
    only,
    postgres: !values['no-postgres'],
    pin: !values['no-pin'],
    profileDir: values.profile ?? null,
    json: values.json ?? 'bench/results.json',
  };
}
