/**
 * Prints every setting as a Markdown table, from the one table in src/settings/table.ts, for
 * the README and docs/ (so the docs' table is never written by hand).
 *   npm run build && node dist/tools/print-settings.js
 */
import { SETTINGS } from '../src/settings';

const cell = (text: string) => text.replace(/\|/g, '\\|');
const lines = ['| variable | setting | kind | default | meaning |', '|---|---|---|---|---|'];
for (const row of SETTINGS) {
  lines.push(`| \`${row.variable}\` | \`${row.group}.${row.field}\` | ${cell(row.kind.accepts)} | ${row.default === null ? 'none' : `\`${row.default}\``} | ${cell(row.meaning)} |`);
}
console.log(lines.join('\n'));
