#!/usr/bin/env node
'use strict';
// The `gatehouse-graphql` command (the package's bin). The TypeScript build (npm run build) makes dist/; the published package ships it.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const entry = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!existsSync(entry)) {
  console.error('gatehouse-graphql: not built yet; run "npm run build" first.');
  process.exit(1);
}
require(entry).runFromProcess();
