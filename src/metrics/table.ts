// MindEye2 Table 1's columns and number styles (PixCorr and SSIM as decimals, two-way identification
// and retrieval as percentages), shared by the CLI's printed table and the app's metrics panel. Two
// two-way columns: on the bundle's own image encoder (circular) and on ImageNet MobileNetV2 features.
import type { MetricRowJson } from '../data/modelSchema';

/** One table row; metrics a row does not have are absent. */
export type MetricRow = MetricRowJson;

export const METRIC_COLUMNS: { key: keyof MetricRow; title: string; percent: boolean }[] = [
  { key: 'pixCorr', title: 'PixCorr', percent: false },
  { key: 'ssim', title: 'SSIM', percent: false },
  { key: 'twoWay', title: 'two-way (own encoder)', percent: true },
  { key: 'twoWayMobileNetV2', title: 'two-way (MobileNetV2, ImageNet)', percent: true },
  { key: 'imageRetrieval', title: 'image ret.', percent: true },
  { key: 'brainRetrieval', title: 'brain ret.', percent: true },
];

export function metricCell(value: unknown, percent: boolean): string {
  if (typeof value !== 'number') return '—';
  if (percent) return (100 * value).toFixed(1);
  // .322, -.015 as in the paper
  return value.toFixed(3).replace(/^(-?)0\./, '$1.');
}

/** The table as CSV: full-precision fractions (not percentages), empty cells for missing metrics. */
export function metricsCsv(rows: readonly MetricRow[]): string {
  const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const header = ['method', ...METRIC_COLUMNS.map((c) => c.key)].join(',');
  const lines = rows.map((row) =>
    [quote(row.name), ...METRIC_COLUMNS.map((c) => (typeof row[c.key] === 'number' ? String(row[c.key]) : ''))].join(
      ',',
    ),
  );
  return [header, ...lines].join('\n') + '\n';
}

/**
 * A metric that comes out NaN or infinite (a constant image has no correlation) fails the evaluation,
 * naming the row and the column, rather than being printed and compared.
 */
export function checkFiniteMetrics(rows: readonly MetricRow[]): void {
  for (const row of rows) {
    for (const [key, value] of Object.entries(row)) {
      if (typeof value === 'number' && !Number.isFinite(value)) {
        throw new Error(
          `the evaluation failed: ${key} of "${row.name}" came out ${value} (a constant or non-finite image?)`,
        );
      }
    }
  }
}
