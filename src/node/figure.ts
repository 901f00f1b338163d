// The evaluation figure: a PNG grid with one row per test image and one column per image kind
// (seen | reconstruction | low-level | ceiling), titled, cells enlarged without smoothing so pixels
// stay honest, with note lines under the grid (e.g. that the data are simulated).
import sharp from 'sharp';
import { tensorToRgb } from '../inference/preprocess';

export interface FigureColumn {
  title: string;
  /** [n,3,S,S] in [0,1] */
  images: Float32Array;
}

const GAP = 4;
const HEADER = 28;
const NOTE_LINE = 17;

export async function writeFigure(
  path: string,
  columns: readonly FigureColumn[],
  size: number,
  rows: number,
  notes: readonly string[] = [],
): Promise<void> {
  const scale = Math.max(1, Math.ceil(128 / size));
  const cell = size * scale;
  const width = columns.length * cell + (columns.length + 1) * GAP;
  const gridHeight = HEADER + rows * cell + (rows + 1) * GAP;
  // DejaVu Sans at 12 px averages about 7 px a character: wrap the notes to the figure's width.
  const lines = notes.flatMap((note) => wrap(note, Math.max(20, Math.floor((width - 2 * GAP) / 7))));
  const footer = lines.length > 0 ? lines.length * NOTE_LINE + 8 : 0;
  const height = gridHeight + footer;
  const per = 3 * size * size;
  // Each tile is enlarged on its own with nearest neighbour, so the model's pixels stay visible.
  const tiles = await Promise.all(
    columns.flatMap((column, c) =>
      Array.from({ length: rows }, async (_, r) => {
        const rgb = tensorToRgb(column.images.subarray(r * per, (r + 1) * per), size);
        const input = await sharp(rgb.data, { raw: { width: size, height: size, channels: 3 } })
          .resize(cell, cell, { kernel: 'nearest' })
          .png()
          .toBuffer();
        return { input, left: GAP + c * (cell + GAP), top: HEADER + GAP + r * (cell + GAP) };
      }),
    ),
  );
  const titles = columns
    .map(
      (column, c) =>
        `<text x="${GAP + c * (cell + GAP) + cell / 2}" y="${HEADER - 9}" text-anchor="middle">${escapeXml(column.title)}</text>`,
    )
    .join('');
  const header = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${HEADER}" font-family="DejaVu Sans, sans-serif" font-size="14" fill="#222">${titles}</svg>`,
  );
  const noteText = lines
    .map(
      (line, i) =>
        `<text x="${GAP}" y="${(i + 1) * NOTE_LINE}"${i === 0 ? ' font-weight="bold"' : ''}>${escapeXml(line)}</text>`,
    )
    .join('');
  const footerSvg =
    footer > 0
      ? [
          {
            input: Buffer.from(
              `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${footer}" font-family="DejaVu Sans, sans-serif" font-size="12" fill="#444">${noteText}</svg>`,
            ),
            left: 0,
            top: gridHeight,
          },
        ]
      : [];
  await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([{ input: header, left: 0, top: 0 }, ...tiles, ...footerSvg])
    .png()
    .toFile(path);
}

/** Words of text in lines of at most `width` characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
