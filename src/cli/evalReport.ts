// The evaluation's printed table, in MindEye2 Table 1's columns and number styles (src/metrics/table.ts).
import { METRIC_COLUMNS as COLUMNS, metricCell as cell, type MetricRow } from '../metrics/table';

export function formatTable(rows: readonly MetricRow[]): string {
  const nameWidth = Math.max(6, ...rows.map((r) => r.name.length));
  const widths = COLUMNS.map((c) => Math.max(c.title.length, 6));
  const line = (name: string, cells: string[]) =>
    [name.padEnd(nameWidth), ...cells.map((text, i) => text.padStart(widths[i]!))].join('  ').trimEnd();
  return [
    line(
      'method',
      COLUMNS.map((c) => c.title),
    ),
    line(
      '-'.repeat(nameWidth),
      widths.map((w) => '-'.repeat(w)),
    ),
    ...rows.map((row) =>
      line(
        row.name,
        COLUMNS.map((c) => cell(row[c.key], c.percent)),
      ),
    ),
  ].join('\n');
}

export function formatTimings(timings: Record<string, number>, samples: number): string {
  const width = Math.max(...Object.keys(timings).map((k) => k.length));
  return Object.entries(timings)
    .map(
      ([stage, ms]) =>
        `  ${stage.padEnd(width)}  ${ms.toFixed(0).padStart(7)} ms total  ${(ms / samples).toFixed(1).padStart(7)} ms/image`,
    )
    .join('\n');
}
