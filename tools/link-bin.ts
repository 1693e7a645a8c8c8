/**
 * Developer tool, run by `npm install` (the `prepare` script) in this repository: links the
 * package's own bin into node_modules/.bin, so `npx gatehouse-graphql …` works here as it
 * does in a project that installed the package (npm does not link a project's own bin).
 * Does nothing where there is no node_modules (a packed or published copy).
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, unlinkSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
const binDir = join(root, 'node_modules', '.bin');
if (existsSync(join(root, 'node_modules'))) {
  mkdirSync(binDir, { recursive: true });
  for (const [name, file] of Object.entries(manifest.bin ?? {})) {
    const link = join(binDir, name);
    try {
      if (lstatSync(link)) unlinkSync(link);
    } catch {
      // no link yet
    }
    symlinkSync(relative(binDir, join(root, file)), link);
  }
}
