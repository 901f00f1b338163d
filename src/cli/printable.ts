// Text from a bundle (ids, names, paths, and the messages that quote them) printed by the CLIs with
// its control characters escaped: an id holding ESC sequences or a newline cannot erase a line,
// move the cursor or fake a "valid" line of the report. The app shows such text as text already.

// C0 controls, DEL, C1 controls, the line and paragraph separators, and the bidirectional overrides
// and isolates (which reorder what follows them on the line).
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * One line: every control character, newlines included, written as \uNNNN (which is also a valid
 * escape inside a JSON string, so JSON output stays JSON).
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text of several lines made by this program: each line escaped as `printable` does, the newlines kept. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}
