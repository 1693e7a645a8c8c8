/**
 * The package as a stranger installs it (slow: it installs from the npm registry, so it
 * runs only with GATEHOUSE_PACK_TEST=1). `npm pack`, then a new ESM project installs the
 * tarball beside its own graphql@16.11.0 and Apollo Server; there is one copy of graphql;
 * the README's SDL-first example type-checks as strict TypeScript ESM
 * (exactOptionalPropertyTypes included), and CommonJS and non-strict projects type-check
 * too; the example runs as plain ESM; the CLI, run from that project by its bin name,
 * creates a user who then signs in to the example and reads a protected field.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const ROOT = join(__dirname, '..', '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const enabled = process.env.GATEHOUSE_PACK_TEST === '1';

/** The README's first ```ts block after a line that starts with `heading`. */
function readmeExample(heading: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const from = readme.indexOf(`\n${heading}`);
  assert.ok(from >= 0, `the README has "${heading}"`);
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(from));
  assert.ok(match, `a ts block after "${heading}"`);
  return match[1];
}

/** Every installed copy of a package under a project's node_modules (nested ones included). */
function copiesOf(name: string, folder: string, found: string[] = []): string[] {
  if (!existsSync(folder)) return found;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(folder, entry.name);
    if (entry.name.startsWith('@')) {
      for (const scoped of readdirSync(path, { withFileTypes: true })) {
        if (scoped.isDirectory()) visit(join(path, scoped.name));
      }
    } else if (!entry.name.startsWith('.')) {
      visit(path);
    }
  }
  function visit(path: string) {
    const manifest = join(path, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === name) found.push(path);
    copiesOf(name, join(path, 'node_modules'), found);
  }
  return found;
}

// Its tests install from the registry and type-check: one may take longer than npm test's
// --test-timeout (tools/run-tests.ts), so the suite has 15 minutes (its tests inherit it too).
describe('the packed package in a new project', { skip: !enabled && 'set GATEHOUSE_PACK_TEST=1 (installs from the npm registry)', timeout: 900_000 }, () => {
  const dir = enabled ? mkdtempSync(join(tmpdir(), 'gatehouse-pack-')) : '';
  const app = join(dir, 'app');
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    npm_config_cache: join(dir, 'npm-cache'),
    npm_config_update_notifier: 'false',
    DATABASE_URL: `sqlite:${join(dir, 'app.sqlite')}`,
    GATEHOUSE_DATA_DIR: join(dir, 'data'),
    JWT_SECRET: 'pack-test-secret-that-is-long-enough-0123456789',
    BCRYPT_ROUNDS: '4',
    LOG_LEVEL: 'silent',
  };
  const run = (command: string, args: string[], cwd = app) => execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  let server: ChildProcess | undefined;
  after(() => {
    server?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let tarball = '';
  it('packs what a user runs and nothing else', () => {
    const [packed] = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT));
    tarball = join(dir, packed.filename);
    const files: string[] = packed.files.map((file: { path: string }) => file.path);
    assert.ok(files.includes('bin/gatehouse-graphql.js') && files.includes('dist/src/index.js') && files.includes('dist/src/index.d.ts') && files.includes('dist/src/client/index.js'));
    for (const file of files) {
      assert.match(file, /^(package\.json|README\.md|schema\.graphql|bin\/gatehouse-graphql\.js|dist\/src\/.+\.(js|d\.ts))$/, `${file} belongs in the tarball`);
    }
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    assert.equal(manifest.private, undefined);
    assert.deepEqual(Object.keys(manifest.bin), ['gatehouse-graphql']);
  });

  it('installs beside the project\'s own graphql@16.11.0 and Apollo Server, with one copy of graphql', () => {
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-probe', private: true, type: 'module' }));
    // graphql 16.11 is older than type-graphql 2.0.0-rc.4 accepts (^16.12): rc.2 is the one for it.
    run('npm', ['install', '--no-audit', '--no-fund', tarball, 'graphql@16.11.0', '@apollo/server@5', 'type-graphql@2.0.0-rc.2', '@graphql-tools/schema@10', '@types/node@20']);
    const graphqls = copiesOf('graphql', join(app, 'node_modules'));
    assert.deepEqual(graphqls, [join(app, 'node_modules', 'graphql')], 'one graphql');
    assert.equal(JSON.parse(readFileSync(join(graphqls[0], 'package.json'), 'utf8')).version, '16.11.0');
    assert.equal(copiesOf('@mikro-orm/core', join(app, 'node_modules')).length, 1, 'one @mikro-orm/core');
    assert.equal(copiesOf('type-graphql', join(app, 'node_modules')).length, 1, 'one type-graphql');
  });

  it('type-checks the README example as strict TypeScript ESM, and CommonJS and non-strict projects', () => {
    writeFileSync(join(app, 'server.ts'), readmeExample('SDL-first'));
    const strict = { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, skipLibCheck: true, types: ['node'], outDir: 'dist' };
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: strict, files: ['server.ts'] }));
    mkdirSync(join(app, 'cjs'));
    writeFileSync(join(app, 'cjs', 'check.cts'), [
      "import { ApolloServer } from '@apollo/server';",
      "import { startStandaloneServer } from '@apollo/server/standalone';",
      "import { createGatehouse, gatehouseContext, gatehouseFormatError, gatehousePlugin, type GatehouseContext } from 'gatehouse-graphql';",
      "import { GatehouseClient } from 'gatehouse-graphql/client';",
      'export async function start(): Promise<string> {',
      '  const gh = await createGatehouse();',
      "  const apollo = new ApolloServer<GatehouseContext>({ typeDefs: 'type Query { a: Int }', formatError: gatehouseFormatError(), plugins: [gatehousePlugin()] });",
      '  const { url } = await startStandaloneServer(apollo, { context: gatehouseContext(gh) });',
      "  void new GatehouseClient({ url });",
      '  return url;',
      '}',
      '',
    ].join('\n'));
    writeFileSync(join(app, 'tsconfig.cjs.json'), JSON.stringify({ compilerOptions: { ...strict, noEmit: true }, files: ['cjs/check.cts'] }));
    writeFileSync(join(app, 'tsconfig.loose.json'), JSON.stringify({ compilerOptions: { ...strict, strict: false, exactOptionalPropertyTypes: false, noEmit: true }, files: ['server.ts', 'cjs/check.cts'] }));
    for (const project of ['tsconfig.json', 'tsconfig.cjs.json', 'tsconfig.loose.json']) {
      try {
        run(process.execPath, [TSC, '-p', project]);
      } catch (error) {
        assert.fail(`${project}: ${(error as { stdout?: string }).stdout ?? error}`);
      }
    }
    assert.ok(existsSync(join(app, 'dist', 'server.js')));
  });

  it('runs the example as plain ESM; the CLI of that project creates a user who signs in to it', async () => {
    run('npx', ['--no-install', 'gatehouse-graphql', 'migrate']);
    run('npx', ['--no-install', 'gatehouse-graphql', 'users', 'create', 'ada', '--password', 'correct horse']);
    assert.match(run('npx', ['--no-install', 'gatehouse-graphql', '--help']), /^Usage: gatehouse-graphql COMMAND/);
    server = spawn(process.execPath, [join(app, 'dist', 'server.js')], { cwd: app, env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    const url = await new Promise<string>((resolve, reject) => {
      server!.stdout!.on('data', (chunk: Buffer) => {
        output += chunk;
        const match = /(http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]);
      });
      server!.once('exit', (code) => reject(new Error(`the example exited with ${code}:\n${output}`)));
    });
    const post = async (query: string, headers: Record<string, string> = {}) =>
      (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) })).json() as Promise<any>;
    const login = await post('mutation { tokenAuth(username: "ada", password: "correct horse") { token } }');
    assert.equal(login.errors, undefined, JSON.stringify(login.errors));
    const notes = await post('{ myNotes }', { authorization: `Bearer ${login.data.tokenAuth.token}` });
    assert.deepEqual(notes, { data: { myNotes: ['a note of ada'] } });
    const anonymous = await post('{ myNotes }');
    assert.equal(anonymous.errors[0].extensions.code, 'UNAUTHENTICATED');
    server.kill('SIGTERM');
  });
});
