import { describe, expect, it } from 'vitest';
import { FIGURE_STYLE, layoutFigure, wrapText, type FigureSpec, type Measure } from './figureLayout';

/** About DejaVu Sans at 12-14 px: 7 px a character, 8 in bold. */
const measure: Measure = (text, font) => text.length * (font.startsWith('bold') ? 8 : 7);

const LONG_NAME = 'mini, shared-subject pretraining + subject 01 fine-tuned on 1 session';

describe('wrapping text to a width', () => {
  it('breaks at spaces within the width and loses no word', () => {
    const lines = wrapText(LONG_NAME, 160, '12px x', measure);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(measure(line, '12px x')).toBeLessThanOrEqual(160);
    expect(lines.join(' ')).toBe(LONG_NAME);
  });

  it('breaks a word wider than the width between characters', () => {
    const word = 'x'.repeat(50);
    const lines = wrapText(`a ${word} b`, 70, '12px x', measure);
    expect(lines.every((line) => line.length <= 10)).toBe(true);
    expect(lines.join('')).toBe(`a${word}b`);
  });

  it('keeps a line that fits as it is', () => {
    expect(wrapText('  Seen  ', 160, '12px x', measure)).toEqual(['Seen']);
    expect(wrapText('', 160, '12px x', measure)).toEqual([]);
  });
});

describe('laying out a figure', () => {
  const spec: FigureSpec = {
    columns: [
      { title: 'Seen' },
      { title: 'Shared-subject', subtitle: LONG_NAME },
      { title: 'Single-subject', subtitle: 'mini, subject 01 trained on 1 session alone' },
      { title: 'Low-level (layout and colour)' },
    ],
    rows: [
      [{ src: 'a' }, { src: 'b', label: '#3 of 300' }, { src: 'c', label: '#41 of 300' }, { src: 'd' }],
      [{ src: 'e' }, null, { src: 'g', label: '#150 of 300, a long label that must wrap' }, { src: 'h' }],
    ],
    warning: 'Simulated fMRI data, not recordings from people (mindeye-web).',
    notes: ['Rank: where the seen image ranks among the test images by resemblance to the reconstruction.'],
  };
  const layout = layoutFigure(spec, measure);
  const { cell, gap } = FIGURE_STYLE;

  it('is as wide as the columns and their gaps, and holds everything', () => {
    expect(layout.width).toBe(4 * cell + 5 * gap);
    for (const line of layout.text) expect(line.y).toBeLessThanOrEqual(layout.height);
    for (const c of layout.cells) expect(c.y + c.size).toBeLessThanOrEqual(layout.height);
    expect(layout.cells.map((c) => c.src)).toEqual(['a', 'b', 'c', 'd', 'e', 'g', 'h']);
  });

  it('keeps every title line inside its own column, above the pictures, with every word', () => {
    const firstPicture = Math.min(...layout.cells.map((c) => c.y));
    spec.columns.forEach((column, c) => {
      const left = gap + c * (cell + gap);
      const lines = layout.text.filter((t) => t.align === 'center' && t.x === left + cell / 2 && t.y < firstPicture);
      for (const line of lines) {
        expect(line.x - line.width / 2).toBeGreaterThanOrEqual(left);
        expect(line.x + line.width / 2).toBeLessThanOrEqual(left + cell);
      }
      expect(lines.map((l) => l.text).join(' ')).toBe([column.title, column.subtitle].filter(Boolean).join(' '));
    });
  });

  it('puts each label under its picture and above the next row', () => {
    const rowTops = [...new Set(layout.cells.map((c) => c.y))];
    expect(rowTops).toHaveLength(2);
    const labels = layout.text.filter((t) => t.y > rowTops[0]! && t.align === 'center');
    const secondRowLabels = labels.filter((t) => t.y > rowTops[1]!);
    for (const label of labels.filter((t) => t.y < rowTops[1]!)) {
      expect(label.y).toBeGreaterThan(rowTops[0]! + cell);
      expect(label.y).toBeLessThan(rowTops[1]!);
    }
    expect(secondRowLabels.map((t) => t.text).join(' ')).toBe('#150 of 300, a long label that must wrap');
  });

  it('sets the warning first and in bold under the grid, the notes after it, within the width', () => {
    const lastPicture = Math.max(...layout.cells.map((c) => c.y + c.size));
    const notes = layout.text.filter((t) => t.align === 'left');
    expect(notes[0]!.font.startsWith('bold')).toBe(true);
    expect(notes[0]!.text).toContain('Simulated fMRI data');
    for (const note of notes) {
      expect(note.y).toBeGreaterThan(lastPicture);
      expect(note.x + note.width).toBeLessThanOrEqual(layout.width - gap);
    }
  });
});
