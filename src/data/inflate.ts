// Inflating with the platform's DecompressionStream (browser and Node alike), part by part, so that
// a small file that inflates to gigabytes stops at the caller's limit instead of filling memory.
import { concatBytes } from './responseBytes';

export interface InflateOptions {
  format: 'deflate' | 'gzip';
  /** The most bytes the data may inflate to. */
  limit: number;
  /** The error for data that does not inflate (corrupt or cut short), given the stream's. */
  corrupt: (error: unknown) => Error;
  /** The error once the data holds more than `limit` bytes. */
  tooLarge: () => Error;
  /** Sees the parts so far after each one (a NIfTI header is checked as soon as it is in). */
  onPart?: (parts: readonly Uint8Array[], total: number) => void;
}

export async function inflateWithin(bytes: Uint8Array, options: InflateOptions): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream(options.format));
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        throw options.corrupt(error);
      }
      if (result.done) break;
      total += result.value.length;
      if (total > options.limit) throw options.tooLarge();
      parts.push(result.value);
      options.onPart?.(parts, total);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  }
  return concatBytes(parts, total);
}
