/** Printing results as an aligned text table, and saving them as JSON under bench/results/ (gitignored). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Cell = string | number | undefined;

/** Prints rows as a table; numbers are right-aligned with thousands separators, empty cells show "-". */
export function printTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): void {
  const text = rows.map((r) => headers.map((_, i) => formatCell(r[i])));
  const numeric = headers.map((_, i) => rows.every((r) => typeof r[i] !== 'string'));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of text) console.log(line(r));
}

function formatCell(c: Cell): string {
  if (c === undefined || (typeof c === 'number' && Number.isNaN(c))) return '-';
  if (typeof c === 'number') return c >= 100 ? Math.round(c).toLocaleString('en-US') : String(c);
  return c;
}

/** Writes `bench/results/<name>-<timestamp>.json`; returns the path. */
export function writeResults(name: string, data: unknown): string {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = join(dir, `${name}-${stamp}.json`);
  writeFileSync(path, JSON.stringify(data, null, 2) + '\n');
  return path;
}
