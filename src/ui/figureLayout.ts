// Where everything of an exported figure goes: a grid of square pictures under column titles, a
// label under each picture (a rank), notes under the grid. Every line of text is wrapped to the
// width it has (a column's, or the figure's), never cut, so titles neither overlap nor lose words.
// Pure: the text is measured by the function passed in (the canvas's measureText in the page).

export interface FigureCell {
  /** An image URL (a data: URL of a reconstruction, or a stimulus file). */
  src: string;
  label?: string;
}

export interface FigureSpec {
  columns: { title: string; subtitle?: string }[];
  /** One entry per column; null leaves the place empty. */
  rows: (FigureCell | null)[][];
  /** Under the grid, first and in bold: that the data are simulated, say. */
  warning?: string;
  /** Under the grid, each its own paragraph. */
  notes: string[];
}

export type Measure = (text: string, font: string) => number;

const FAMILY = 'system-ui, "DejaVu Sans", sans-serif';

export const FIGURE_STYLE = {
  /** CSS pixels; the PNG is drawn at twice this. */
  cell: 160,
  gap: 10,
  title: { font: `bold 14px ${FAMILY}`, line: 18 },
  subtitle: { font: `12px ${FAMILY}`, line: 15 },
  label: { font: `12px ${FAMILY}`, line: 15 },
  note: { font: `12px ${FAMILY}`, line: 16 },
  boldNote: { font: `bold 12px ${FAMILY}`, line: 16 },
};
export type FigureStyle = typeof FIGURE_STYLE;

export interface TextLine {
  text: string;
  /** The line's centre (align 'center') or its start (align 'left'). */
  x: number;
  /** The baseline. */
  y: number;
  font: string;
  align: 'center' | 'left';
  /** As measured: the line stays within its column or the figure. */
  width: number;
}

export interface FigureLayout {
  width: number;
  height: number;
  cells: { src: string; x: number; y: number; size: number }[];
  text: TextLine[];
}

/**
 * Greedy line breaking at spaces, so that no line is wider than `maxWidth`; a word wider than that
 * alone is broken between characters. The lines joined by spaces give the text back (spaces
 * collapsed), so nothing is lost.
 */
export function wrapText(text: string, maxWidth: number, font: string, measure: Measure): string[] {
  const fits = (line: string) => measure(line, font) <= maxWidth;
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (fits(candidate)) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    line = word;
    // A word wider than the whole width is broken where it must be.
    while (!fits(line) && line.length > 1) {
      let cut = line.length - 1;
      while (cut > 1 && !fits(line.slice(0, cut))) cut--;
      lines.push(line.slice(0, cut));
      line = line.slice(cut);
    }
  }
  if (line) lines.push(line);
  return lines;
}

export function layoutFigure(spec: FigureSpec, measure: Measure, style: FigureStyle = FIGURE_STYLE): FigureLayout {
  const { cell, gap } = style;
  const columns = spec.columns.length;
  const width = columns * cell + (columns + 1) * gap;
  const columnX = (c: number) => gap + c * (cell + gap);
  const text: TextLine[] = [];
  const put = (
    lines: string[],
    x: number,
    top: number,
    kind: { font: string; line: number },
    align: TextLine['align'],
  ) => {
    // A baseline about four fifths down each line's height.
    lines.forEach((line, i) =>
      text.push({
        text: line,
        x,
        y: top + i * kind.line + Math.round(kind.line * 0.8),
        font: kind.font,
        align,
        width: measure(line, kind.font),
      }),
    );
    return lines.length * kind.line;
  };

  // The header is as tall as its tallest column title.
  let header = 0;
  spec.columns.forEach((column, c) => {
    const centre = columnX(c) + cell / 2;
    let top = gap;
    top += put(wrapText(column.title, cell, style.title.font, measure), centre, top, style.title, 'center');
    if (column.subtitle)
      top += put(wrapText(column.subtitle, cell, style.subtitle.font, measure), centre, top, style.subtitle, 'center');
    header = Math.max(header, top);
  });

  const cells: FigureLayout['cells'] = [];
  let y = header + gap / 2;
  for (const row of spec.rows) {
    let labels = 0;
    row.forEach((entry, c) => {
      if (!entry) return;
      cells.push({ src: entry.src, x: columnX(c), y, size: cell });
      if (entry.label) {
        const lines = wrapText(entry.label, cell, style.label.font, measure);
        labels = Math.max(labels, put(lines, columnX(c) + cell / 2, y + cell + 2, style.label, 'center'));
      }
    });
    y += cell + (labels > 0 ? labels + 2 : 0) + gap;
  }

  const paragraphs = [
    ...(spec.warning ? [{ note: spec.warning, kind: style.boldNote }] : []),
    ...spec.notes.map((note) => ({ note, kind: style.note })),
  ];
  for (const { note, kind } of paragraphs)
    y += put(wrapText(note, width - 2 * gap, kind.font, measure), gap, y, kind, 'left');
  return { width, height: Math.ceil(y + gap), cells, text };
}
