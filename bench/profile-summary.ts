#!/usr/bin/env node
/**
 * Summarises a V8 CPU profile written by `npm run bench -- --profile DIR`: the share of the
 * sampled time by where the code lives (a package under node_modules, Gatehouse's own
 * src/, Node's internals, the garbage collector, idle), and the functions with the most
 * self time. What docs/benchmarks.md's "what each cost is made of" is read from.
 *
 * With `--serving`, the samples of the server's start (module loading, `main`,
 * `startGatehouse`, migrating, building the schema) are left out, so the shares are of the
 * time spent serving (the warm-up's requests included): what docs/benchmarks.md quotes.
 *
 * @example
 * node dist/bench/profile-summary.js bench/profiles/gatehouse-sqlite-1796220000000.cpuprofile
 * node dist/bench/profile-summary.js --top 40 --serving FILE
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: a package, Gatehouse's src/ or bench/, Node, or V8's own entries. */
export function placeOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:internal/')) return 'node:' + url.slice('node:internal/'.length).split('/')[0].replace(/\.js$/, '');
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const own = /\/dist\/(src|bench)\/(.+?)\.js$/.exec(url);
  if (own) return `${own[1]}/${own[2].split('/')[0]}`;
  return url;
}

function main(argv: string[]): void {
  let top = 25;
  let serving = false;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') top = Number(argv[++i]);
    else if (argv[i] === '--serving') serving = true;
    else files.push(argv[i]);
  }
  if (files.length === 0) {
    console.error('usage: node dist/bench/profile-summary.js [--top N] FILE.cpuprofile ...');
    process.exit(2);
  }
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const starting = serving ? startNodes(profile, byId) : new Set<number>();
    const self = new Map<number, number>();
    let total = 0;
    profile.samples.forEach((id, i) => {
      if (starting.has(id)) return;
      const dt = profile.timeDeltas[i] ?? 0;
      self.set(id, (self.get(id) ?? 0) + dt);
      total += dt;
    });
    const idle = [...self].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((s, [, t]) => s + t, 0);
    const busy = total - idle;
    const places = new Map<string, number>();
    const functions = new Map<string, number>();
    for (const [id, time] of self) {
      const frame = byId.get(id)!.callFrame;
      if (frame.functionName === '(idle)') continue;
      const place = placeOf(frame.url, frame.functionName);
      places.set(place, (places.get(place) ?? 0) + time);
      const name = `${frame.functionName || '(anonymous)'} ${place}${frame.url ? ':' + (frame.lineNumber + 1) : ''}`;
      functions.set(name, (functions.get(name) ?? 0) + time);
    }
    const pct = (t: number) => `${((100 * t) / busy).toFixed(1).padStart(5)} %`;
    console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled${serving ? ' while serving' : ''}, ${(busy / 1e6).toFixed(1)} s busy (shares below are of the busy time)\n`);
    console.log('by place:');
    for (const [place, time] of [...places].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(time)}  ${place}`);
    console.log('\nby function (self time):');
    for (const [name, time] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(time)}  ${name}`);
    console.log('');
  }
}

/** The server's start: module loading and the functions that start a server, by name. */
const START = /^(Module\._load|Module\._compile|wrapSafe|main|startGatehouse|migrate|openDatabase|buildGatehouseSchema|startStandaloneServer)$/;

/** The profile's nodes at or under a frame of the server's start (`START`). */
function startNodes(profile: Profile, byId: ReadonlyMap<number, ProfileNode>): Set<number> {
  const starting = new Set<number>();
  const visit = (id: number, under: boolean) => {
    const node = byId.get(id);
    if (!node) return;
    const here = under || START.test(node.callFrame.functionName);
    if (here) starting.add(id);
    for (const child of node.children ?? []) visit(child, here);
  };
  visit(profile.nodes[0].id, false);
  return starting;
}

if (require.main === module) main(process.argv.slice(2));
