import { describe, expect, it } from 'vitest';
import { AsyncMemo } from './asyncMemo';

describe('AsyncMemo', () => {
  it('makes a value once per key while it succeeds', async () => {
    const memo = new AsyncMemo<string, number>();
    let made = 0;
    const make = () => Promise.resolve(++made);
    expect(await memo.get('a', make)).toBe(1);
    expect(await memo.get('a', make)).toBe(1);
    expect(await memo.get('b', make)).toBe(2);
  });

  it('forgets a rejected promise, so the next call tries again', async () => {
    const memo = new AsyncMemo<string, number>();
    await expect(memo.get('a', () => Promise.reject(new Error('offline')))).rejects.toThrow('offline');
    expect(await memo.get('a', () => Promise.resolve(7))).toBe(7);
  });

  it('keeps the newer promise when an older one, cleared away, rejects late', async () => {
    const memo = new AsyncMemo<string, number>();
    let fail!: (error: Error) => void;
    const old = memo.get('a', () => new Promise<number>((_, reject) => (fail = reject)));
    memo.clear();
    const newer = memo.get('a', () => Promise.resolve(2));
    fail(new Error('late'));
    await expect(old).rejects.toThrow('late');
    expect(memo.get('a', () => Promise.resolve(3))).toBe(newer);
  });

  it('forgets the keys a test picks, handing back their promises, and makes them afresh next time', async () => {
    const memo = new AsyncMemo<string, number>();
    const a = memo.get('model\na', () => Promise.resolve(1));
    const b = memo.get('other\nb', () => Promise.resolve(2));
    expect(memo.forget((key) => key.startsWith('model\n'))).toEqual([a]);
    expect(memo.get('other\nb', () => Promise.resolve(3))).toBe(b);
    expect(await memo.get('model\na', () => Promise.resolve(4))).toBe(4);
  });

  it('with a capacity, keeps the keys used last: the least recently used is made again', async () => {
    const memo = new AsyncMemo<number, number>(2);
    let made = 0;
    const make = () => Promise.resolve(++made);
    await memo.get(1, make); // made 1
    await memo.get(2, make); // made 2
    await memo.get(1, make); // a hit: 1 is now the most recently used
    await memo.get(3, make); // made 3; 2 is forgotten
    expect(memo.size).toBe(2);
    expect(await memo.get(1, make)).toBe(1);
    expect(await memo.get(2, make)).toBe(4);
    expect(() => new AsyncMemo(0)).toThrow(RangeError);
  });
});
