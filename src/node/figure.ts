// The evaluation figure: a PNG grid with one row per test image and one column per image kind
// (seen | reconstruction | blurry ...), titled, cells enlarged without smoothing so pixels stay honest.
import sharp from 'sharp';
import { tensorToRgb } from '../inference/preprocess';

export interface FigureColumn {
  title: string;
  /** [n,3,S,S] in [0,1] */
  images: Float32Array;
}

const GAP = 4;
const HEADER = 28;

export async function writeFigure(
  path: string,
  columns: readonly FigureColumn[],
  size: number,
  rows: number,
): Promise<void> {
  const scale = Math.max(1, Math.ceil(128 / size));
  const cell = size * scale;
  const width = columns.length * cell + (columns.length + 1) * GAP;
  const height = HEADER + rows * cell + (rows + 1) * GAP;
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
  await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([{ input: header, left: 0, top: 0 }, ...tiles])
    .png()
    .toFile(path);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
