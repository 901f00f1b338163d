import { describe, expect, it } from 'vitest';
import type { GalleryJob } from './galleryRules';
import { createGalleryRunner } from './galleryRunner';

const job = (slot: string): GalleryJob => ({
  slot,
  key: { modelUrl: 'm/', subject: 's', imageIndex: 0, trial: 'average', seed: 0, samples: 1 },
});

/** Runs that finish when the test says so, recording what started and what was cancelled. */
function harness() {
  const started: string[] = [];
  const cancelled: string[] = [];
  const finish = new Map<string, () => void>();
  const runner = createGalleryRunner(
    (j) => {
      started.push(j.slot);
      return new Promise<void>((resolve) => finish.set(j.slot, resolve));
    },
    (slot) => {
      cancelled.push(slot);
      finish.get(slot)?.();
    },
  );
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
  return { runner, started, cancelled, finish: (slot: string) => finish.get(slot)!(), tick };
}

describe('the gallery runner', () => {
  it('keeps two in flight, in order, until the list is done', async () => {
    const { runner, started, finish, tick } = harness();
    const done = runner.start(['a', 'b', 'c', 'd'].map(job));
    await tick();
    expect(started).toEqual(['a', 'b']);
    finish('b');
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    finish('a');
    finish('c');
    await tick();
    finish('d');
    await done;
    expect(started).toEqual(['a', 'b', 'c', 'd']);
  });

  it('stop cancels what runs and starts nothing more', async () => {
    const { runner, started, cancelled, tick } = harness();
    const done = runner.start(['a', 'b', 'c'].map(job));
    await tick();
    runner.stop();
    await done;
    expect(cancelled.sort()).toEqual(['a', 'b']);
    await tick();
    expect(started).toEqual(['a', 'b']);
  });

  it('a new list stops the old one first', async () => {
    const { runner, started, cancelled, finish, tick } = harness();
    void runner.start(['a', 'b', 'c'].map(job));
    await tick();
    const second = runner.start(['x'].map(job));
    await tick();
    expect(cancelled.sort()).toEqual(['a', 'b']);
    expect(started).toEqual(['a', 'b', 'x']);
    finish('x');
    await second;
    await tick();
    expect(started).toEqual(['a', 'b', 'x']);
  });
});
