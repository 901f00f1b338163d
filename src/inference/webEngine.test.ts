import { describe, expect, it } from 'vitest';
import { wasmThreads } from './webEngine';

describe('wasmThreads', () => {
  it('leaves one core to the page, and uses at most 4', () => {
    expect([1, 2, 3, 4, 8, 16].map(wasmThreads)).toEqual([1, 1, 2, 3, 4, 4]);
  });
});
