// Promises cached by key, forgotten when they reject: a file that failed to load (a network blip, a
// bundle fixed since) is tried again on the next call instead of failing the same way forever. With a
// capacity it keeps only the keys used last (least recently used go first), so that what it holds stays
// bounded however many keys pass through it (the chunks of a 30,000-trial array paged through).

export class AsyncMemo<K, V> {
  private readonly promises = new Map<K, Promise<V>>();

  /** `capacity`: the most keys kept (the least recently used is forgotten first); unbounded without. */
  constructor(private readonly capacity = Infinity) {
    if (!(capacity >= 1)) throw new RangeError(`an AsyncMemo keeps at least one key, not ${capacity}`);
  }

  /** How many keys it holds now. */
  get size(): number {
    return this.promises.size;
  }

  /** The promise made for `key`, or a new one from `make` when there is none (or the last one failed). */
  get(key: K, make: () => Promise<V>): Promise<V> {
    const cached = this.promises.get(key);
    if (cached) {
      // Used now: moved to the end of the Map's order, the most recently used.
      if (this.capacity !== Infinity) {
        this.promises.delete(key);
        this.promises.set(key, cached);
      }
      return cached;
    }
    const made = make();
    this.promises.set(key, made);
    // A Map iterates in insertion order: its first key is the least recently used.
    while (this.promises.size > this.capacity) this.promises.delete(this.promises.keys().next().value!);
    // Only this promise is forgotten: after a clear() the key may already hold a newer one.
    made.catch(() => {
      if (this.promises.get(key) === made) this.promises.delete(key);
    });
    return made;
  }

  /** Forgets the keys that pass `test`; returns their promises, for whoever must free what they hold. */
  forget(test: (key: K) => boolean): Promise<V>[] {
    const forgotten: Promise<V>[] = [];
    for (const [key, promise] of this.promises) {
      if (!test(key)) continue;
      this.promises.delete(key);
      forgotten.push(promise);
    }
    return forgotten;
  }

  clear(): void {
    this.promises.clear();
  }
}
