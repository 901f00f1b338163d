// The evaluation's printed table, in MindEye2 Table 1's columns and number styles: PixCorr and SSIM
// as decimals, two-way identification and retrieval as percentages.
import type { MetricRow } from '../metrics/evaluate';

const COLUMNS: { key: keyof MetricRow; title: string; percent: boolean }[] = [
  { key: 'pixCorr', title: 'PixCorr', percent: false },
  { key: 'ssim', title: 'SSIM', percent: false },
  { key: 'twoWay', title: 'two-way*', percent: true },
  { key: 'imageRetrieval', title: 'image ret.', percent: true },
  { key: 'brainRetrieval', title: 'brain ret.', percent: true },
];

function cell(value: unknown, percent: boolean): string {
  if (typeof value !== 'number') return '—';
  if (percent) return (100 * value).toFixed(1);
  // .322, -.015 as in the paper
  return value.toFixed(3).replace(/^(-?)0\./, '$1.');
}

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
