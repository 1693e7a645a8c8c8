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
const { runCli } = require(entry);
const readStdin = () =>
  new Promise((resolve, reject) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => (text += chunk));
    process.stdin.on('end', () => resolve(text));
    process.stdin.on('error', reject);
  });
runCli(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  readStdin,
  env: process.env,
}).then((code) => process.exit(code));
