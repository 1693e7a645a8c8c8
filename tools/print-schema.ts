/** Writes schema.graphql from the code (npm run schema). test/schema.test.ts fails when it is stale. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printGatehouseSchema } from '../src/graphql/schema';

printGatehouseSchema().then((sdl) => {
  const file = join(__dirname, '..', '..', 'schema.graphql');
  writeFileSync(file, sdl);
  console.log(`wrote ${file}`);
});
