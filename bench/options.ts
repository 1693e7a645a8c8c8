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
  /** Scenario numbers to run (0–9); 0–8 by default, 9 with `--scale`. */
  only: Set<number>;
  /** Concurrent connections of the rotation loads (4, 5) and pgbench's clients (5a). */
  rotationConnections: number;
  /** The scale scenario's seeded database (9): users, devices, refresh tokens. */
  scale: { users: number; devices: number; tokens: number };
  /** `LOG_LEVEL` of the Gatehouse servers; null leaves the default (info), as users run it. */
  logLevel: string | null;
  /** Run the PostgreSQL scenarios when PostgreSQL answers (default true). */
  postgres: boolean;
  /** Pin the server and the load generator to CPUs of their own for 1–4 (default true). */
  pin: boolean;
  /** Start servers with `--cpu-prof` and keep the profiles in this folder. */
  profileDir: string | null;
  /** Where the figures are written as JSON. */
  json: string;
}

/** The highest scenario number; a new scenario takes the next one (and a row in docs/benchmarks.md). */
export const MAX_SCENARIO = 9;

export const USAGE = `npm run bench -- [flags]

  --duration S        seconds of measured load per scenario (default 12; 0-3 run as one 4xS s soak)
  --connections N     concurrent connections (default 10)
  --rotation-connections N
                      connections of the rotation loads and pgbench clients (default 16)
  --rounds N          interleaved rounds for 0-3 (default 6; 5 and 6 use a third as many)
  --warmup S          unmeasured seconds per scenario before measuring (default 2)
  --idle S            idle event-loop windows in all, before the tokenAuth phases (default 5)
  --bcrypt-rounds N   bcrypt cost for tokenAuth and the raw bcrypt baseline (default 12)
  --only 0,1,5        run only these scenarios (0-9; 8 is the RSS check of the whole run)
  --scale             also run 9, the seeded PostgreSQL database (about 15 minutes)
  --scale-users N     users of the seeded database (default 1000000)
  --scale-devices N   devices of the seeded database (default 3000000)
  --scale-tokens N    refresh tokens of the seeded database (default 10000000)
  --log-level L       LOG_LEVEL of the Gatehouse servers (default: theirs, info), to see
                      what the request log line costs
  --no-postgres       SQLite only
  --no-pin            let the servers and the load generator share every CPU
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
      'rotation-connections': { type: 'string' },
      scale: { type: 'boolean' },
      'scale-users': { type: 'string' },
      'scale-devices': { type: 'string' },
      'scale-tokens': { type: 'string' },
      'log-level': { type: 'string' },
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
  for (const part of (values.only ?? `0,1,2,3,4,5,6,7,8${values.scale ? ',9' : ''}`).split(',')) {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n < 0 || n > MAX_SCENARIO) throw new Error(`--only takes scenario numbers 0 to ${MAX_SCENARIO}, not "${part}"`);
    only.add(n);
  }
  const scale = {
    users: positive('scale-users', values['scale-users'], 1_000_000, true),
    devices: positive('scale-devices', values['scale-devices'], 3_000_000, true),
    tokens: positive('scale-tokens', values['scale-tokens'], 10_000_000, true),
  };
  if (scale.devices < scale.users || scale.tokens < 2 * scale.devices) throw new Error('the seeded database needs at least one device per user and two tokens per device');
  const logLevel = values['log-level'] ?? null;
  if (logLevel !== null && !/^(fatal|error|warn|info|debug|trace|silent)$/.test(logLevel)) throw new Error(`--log-level takes a pino level, not "${logLevel}"`);
  const bcryptRounds = positive('bcrypt-rounds', values['bcrypt-rounds'], 12, true);
  if (bcryptRounds < 4 || bcryptRounds > 31) throw new Error('--bcrypt-rounds must be from 4 to 31');
  return {
    duration: positive('duration', values.duration, 12, false),
    connections: positive('connections', values.connections, 10, true),
    rotationConnections: positive('rotation-connections', values['rotation-connections'], 16, true),
    scale,
    logLevel,
    rounds: positive('rounds', values.rounds, 6, true),
    warmup: values.warmup === '0' ? 0 : positive('warmup', values.warmup, 2, false),
    idle: positive('idle', values.idle, 5, false),
    bcryptRounds,
    only,
    postgres: !values['no-postgres'],
    pin: !values['no-pin'],
    profileDir: values.profile ?? null,
    json: values.json ?? 'bench/results.json',
  };
}
