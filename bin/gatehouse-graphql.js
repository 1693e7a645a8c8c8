#!/usr/bin/env node
'use strict';
// The `gatehouse` command. The TypeScript build (npm run build, run by npm install) makes dist/.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const entry = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!existsSync(entry)) {
  console.error('gatehouse: not built yet; run "npm run build" first.');
  process.exit(1);
}
require(entry).runFromProcess();
