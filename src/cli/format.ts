/** Plain-text tables for the human output of the CLI. */

export type Cell = string | number | null | undefined;

/** Aligns rows under a header: numbers to the right, text to the left. */
export function formatTable(header: readonly string[], rows: readonly (readonly Cell[])[], indent = '  '): string {
  const text = (c: Cell) => (c === null || c === undefined ? '-' : typeof c === 'number' ? c.toLocaleString('en') : c);
  const all = [header.map(String), ...rows.map((r) => r.map(text))];
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]?.length ?? 0)));
  return all
    .map((r) => indent + r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}

/** A one-line progress bar for stderr, redrawn in place. */
export function progressBar(done: number, total: number, width = 30): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(ratio * width);
  return `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}%`;
}
