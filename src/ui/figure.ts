// Draws a figure laid out by figureLayout.ts on a canvas at twice its size (sharp on a slide or a
// retina screen), pictures scaled smoothly as on the page, and saves it as a PNG.
import { layoutFigure, type FigureSpec } from './figureLayout';

export const FIGURE_SCALE = 2;

export async function drawFigure(spec: FigureSpec, scale = FIGURE_SCALE): Promise<HTMLCanvasElement> {
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d')!;
  const layout = layoutFigure(spec, (text, font) => {
    context.font = font;
    return context.measureText(text).width;
  });
  // Every picture is decoded before anything is drawn: a figure is never saved half drawn.
  const pictures = await Promise.all(
    layout.cells.map(async (cell) => {
      const picture = new Image();
      // Under COEP require-corp, a stimulus from another origin must come by CORS.
      picture.crossOrigin = 'anonymous';
      picture.src = cell.src;
      await picture.decode();
      return picture;
    }),
  );
  canvas.width = Math.ceil(layout.width * scale);
  canvas.height = Math.ceil(layout.height * scale);
  context.scale(scale, scale);
  context.fillStyle = '#fff';
  context.fillRect(0, 0, layout.width, layout.height);
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = 'high';
  layout.cells.forEach((cell, i) => context.drawImage(pictures[i]!, cell.x, cell.y, cell.size, cell.size));
  context.fillStyle = '#1d2330';
  context.textBaseline = 'alphabetic';
  for (const line of layout.text) {
    context.font = line.font;
    context.textAlign = line.align;
    context.fillText(line.text, line.x, line.y);
  }
  return canvas;
}

/** Draws the figure and hands it to the browser as a download named `fileName`. */
export async function saveFigure(spec: FigureSpec, fileName: string): Promise<void> {
  const canvas = await drawFigure(spec);
  const link = document.createElement('a');
  link.download = fileName;
  link.href = canvas.toDataURL('image/png');
  link.click();
}
