/**
 * What a scenario of `npm run bench` gets: the options, and the servers, started the first
 * time a scenario asks for them and stopped at the end of the run (so several scenarios
 * share one server, and a scenario not chosen starts nothing).
 */
import { type BenchDatabase, type BenchUser, type DatabaseKind, postgresAnswers, postgresDatabase, prepareDatabase, sqliteDatabase } from './databases';
import { login, type Session } from './graphql';
import type { BenchOptions } from './options';
import { type BaselineServer, type GatehouseServer, startBareApollo, startBcryptServer, startFloorApollo, startGatehouseServer } from './servers';

export const PASSWORD = 'correct horse battery staple';
/** The users the load is spread over have cheap hashes: only scenario 6 is about bcrypt. */
export const FAST_ROUNDS = 4;

export function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

/** A running Gatehouse server on its own database, with users to sign in. */
export interface GatehouseTarget {
  kind: DatabaseKind;
  server: GatehouseServer;
  database: BenchDatabase;
  /** Cheap-hash users (`FAST_ROUNDS`), `options.users` of them. */
  users: BenchUser[];
  /** A user whose hash has the product's cost (`--bcrypt-rounds`), for 6. */
  loginUser: BenchUser;
  /** New device sessions (`tokenAuth` over HTTP), one per user in turn, `count` of them. */
  sessions(count: number): Promise<Session[]>;
}

export interface BenchContext {
  options: BenchOptions;
  /** The bare Apollo Server 5 (`{ hello }`), the baseline of 1-3. */
  bare(): Promise<BaselineServer>;
  /** The bare Apollo Server verifying a token on every request (`me`, `verifyToken`), the floors of 2 and 3 (rows 2a, 3a). */
  floor(): Promise<BaselineServer>;
  /** The raw bcrypt server, the baseline of 6. */
  bcrypt(): Promise<BaselineServer>;
  /** The Gatehouse server on SQLite, or on a scratch PostgreSQL database (null when PostgreSQL is off or does not answer). */
  gatehouse(kind: DatabaseKind): Promise<GatehouseTarget | null>;
  /** Every Gatehouse server started so far (for RSS over the whole run, 8). */
  started(): GatehouseTarget[];
  /** Stops every server and drops every database. */
  close(): Promise<void>;
}

/** How many users the bench creates: enough for the widest load (each connection its own user). */
function userCount(options: BenchOptions): number {
  return Math.max(options.connections, options.rotationConnections);
}

export function benchUsers(count: number, prefix = 'bench'): BenchUser[] {
  return Array.from({ length: count }, (_, i) => ({ username: `${prefix}-${i}`, password: PASSWORD, rounds: FAST_ROUNDS }));
}

/** Starts a Gatehouse server on a prepared database and wraps it as a target. */
export async function startTarget(options: BenchOptions, db: BenchDatabase, name: string, users: BenchUser[], loginUser: BenchUser): Promise<GatehouseTarget> {
  const server = await startGatehouseServer({
    name,
    databaseUrl: db.url,
    bcryptRounds: options.bcryptRounds,
    dataDir: db.dataDir,
    profileDir: options.profileDir,
    env: options.logLevel ? { LOG_LEVEL: options.logLevel } : {},
  });
  log(`${name}: ${server.url} (pid ${server.child.pid}), log in ${server.logFile}`);
  let next = 0;
  return {
    kind: db.kind,
    server,
    database: db,
    users,
    loginUser,
    async sessions(count) {
      const sessions: Session[] = [];
      for (let i = 0; i < count; i++) {
        const user = users[next++ % users.length];
        sessions.push(await login(server.url, user.username, user.password));
      }
      return sessions;
    },
  };
}

export function createContext(options: BenchOptions): BenchContext {
  let bare: Promise<BaselineServer> | undefined;
  let floor: Promise<BaselineServer> | undefined;
  let bcrypt: Promise<BaselineServer> | undefined;
  const targets = new Map<DatabaseKind, Promise<GatehouseTarget | null>>();
  const ready: GatehouseTarget[] = [];

  async function open(kind: DatabaseKind): Promise<GatehouseTarget | null> {
    if (kind === 'postgresql') {
      if (!options.postgres) return null;
      if (!postgresAnswers()) {
        log('PostgreSQL does not answer (PG_URL, else postgres@127.0.0.1:5432): its scenarios are not run');
        return null;
      }
    }
    const db = kind === 'sqlite' ? sqliteDatabase() : await postgresDatabase();
    const users = benchUsers(userCount(options));
    const loginUser = { username: 'bench-login', password: PASSWORD, rounds: options.bcryptRounds };
    log(`${kind}: preparing ${db.url}`);
    try {
      await prepareDatabase(db.url, [...users, loginUser]);
      const target = await startTarget(options, db, `gatehouse-${kind}`, users, loginUser);
      ready.push(target);
      return target;
    } catch (error) {
      await db.drop();
      throw error;
    }
  }

  return {
    options,
    bare: () => (bare ??= startBareApollo(options.profileDir)),
    floor: () => (floor ??= startFloorApollo(options.profileDir)),
    bcrypt: () => (bcrypt ??= startBcryptServer(options.bcryptRounds, PASSWORD, options.profileDir)),
    gatehouse(kind) {
      let target = targets.get(kind);
      if (!target) targets.set(kind, (target = open(kind)));
      return target;
    },
    started: () => [...ready],
    async close() {
      for (const server of [bare, floor, bcrypt]) {
        if (server) await (await server.catch(() => null))?.stop();
      }
      for (const target of ready) {
        await target.server.stop();
        await target.database.drop();
      }
    },
  };
}
