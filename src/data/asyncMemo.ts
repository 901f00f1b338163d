// Promises cached by key, forgotten when they reject: a file that failed to load (a network blip, a
// bundle fixed since) is tried again on the next call instead of failing the same way forever.

export class AsyncMemo<K, V> {
  private readonly promises = new Map<K, Promise<V>>();

  /** The promise made for `key`, or a new one from `make` when there is none (or the last one failed). */
  get(key: K, make: () => Promise<V>): Promise<V> {
    const cached = this.promises.get(key);
    if (cached) return cached;
    const made = make();
    this.promises.set(key, made);
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
