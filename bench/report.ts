import { type Measured, quantile } from './load';

export type Verdict = 'PASS' | 'MISS' | 'n/a';

/** One line of the table. */
export interface Row {
  id: string;
  scenario: string;
  database: string;
  /** Answers per second. */
  rps: number | null;
  p50: number | null;
  p99: number | null;
  errors: number | null;
  /** Server CPU time per answer, microseconds: what a request costs, whatever else runs on the machine. */
  cpuUs: number | null;
  /** Peak RSS of the server during this scenario, MB. */
  rssMb: number | null;
  /** The figure the target is about, as shown (e.g. `0.99` or `1234/s`). */
  figure: string;
  target: string;
  verdict: Verdict;
  /** Why a MISS, or a remark. */
  note?: string;
}

export const MB = 1024 * 1024;

/** req/s, p50, p99 and errors of measured load. */
export function figures(measured: Measured): Pick<Row, 'rps' | 'p50' | 'p99' | 'errors' | 'cpuUs'> {
  return {
    cpuUs: measured.answers > 0 && measured.serverCpuMs > 0 ? (measured.serverCpuMs * 1000) / measured.answers : null,
    rps: measured.seconds > 0 ? measured.answers / measured.seconds : 0,
    p50: quantile(measured.latencies, 0.5),
    p99: quantile(measured.latencies, 0.99),
    errors: measured.errors,
  };
}

/** PASS when `ok` and there were no errors (errors make a speed figure worthless). */
export function verdict(ok: boolean, errors: number | null): Verdict {
  return ok && !errors ? 'PASS' : 'MISS';
}

function cell(value: number | null, digits: number): string {
  if (value === null || Number.isNaN(value)) return '-';
  return value.toFixed(digits);
}

/** The one table `npm run bench` prints. */
export function renderTable(rows: Row[]): string {
  const header = ['#', 'scenario', 'db', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'CPU us/req', 'RSS MB', 'figure', 'target', 'result'];
  const lines = rows.map((row) => [
    row.id,
    row.scenario,
    row.database,
    cell(row.rps, 0),
    cell(row.p50, 1),
    cell(row.p99, 1),
    row.errors === null ? '-' : String(row.errors),
    cell(row.cpuUs, 0),
    cell(row.rssMb, 0),
    row.figure,
    row.target,
    row.verdict === 'n/a' ? '' : row.verdict,
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i].length)));
  const numeric = new Set([3, 4, 5, 6, 7, 8]);
  const format = (line: string[]) =>
    '| ' + line.map((text, i) => (numeric.has(i) ? text.padStart(widths[i]) : text.padEnd(widths[i]))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, i) => (numeric.has(i) ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|';
  const notes = rows.filter((row) => row.note).map((row) => `  ${row.id} ${row.scenario}${row.database === '-' ? '' : ` (${row.database})`}: ${row.note}`);
  return [format(header), rule, ...lines.map(format), ...(notes.length ? ['', 'Notes:', ...notes] : [])].join('\n');
}
