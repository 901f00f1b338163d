import { describe, expect, it } from 'vitest';
import { printable, printableLines } from './printable';

describe('printable', () => {
  it('escapes C0, DEL, C1, line separators and bidi overrides as \\uNNNN', () => {
    expect(printable('a\u001b[2Kb\rc\nd\u007f\u009b\u2028\u202e')).toBe(
      String.raw`a\u001b[2Kb\u000dc\u000ad\u007f\u009b\u2028\u202e`,
    );
    expect(printable('subj01 — ü 日本')).toBe('subj01 — ü 日本');
  });

  it('keeps JSON valid and its strings as they were', () => {
    const value = { id: 'a\u009b31m\u202eb' };
    expect(JSON.parse(printableLines(JSON.stringify(value, null, 1)))).toEqual(value);
  });

  it('keeps the newlines of text of several lines', () => {
    expect(printableLines('one\n\u001b[1Atwo')).toBe(String.raw`one` + '\n' + String.raw`\u001b[1Atwo`);
  });
});
