import { describe, expect, it } from 'vitest';
import { nextPace } from './pipelineStore';

describe('nextPace: the time an evaluation phase has left', () => {
  it('knows nothing until the phase has moved, then extrapolates its pace since first seen', () => {
    const first = nextPace(null, 'test images reconstructed', 8, 100, 1_000);
    expect(first.secondsLeft).toBeNull();
    // 8 more images in 4 s: 84 left at 0.5 s each
    expect(nextPace(first, 'test images reconstructed', 16, 100, 5_000).secondsLeft).toBe(42);
  });

  it('starts afresh at a new phase, so the reading before it does not slow the estimate', () => {
    const reading = nextPace(null, 'test images: trials read', 25, 100, 0);
    const next = nextPace(reading, 'test images reconstructed', 8, 100, 60_000);
    expect(next).toEqual({ what: 'test images reconstructed', since: 60_000, from: 8, secondsLeft: null });
  });

  it('starts afresh when the count goes back (another run of the same phase)', () => {
    const late = nextPace(null, 'test images reconstructed', 80, 100, 0);
    expect(nextPace(late, 'test images reconstructed', 8, 100, 1_000)).toMatchObject({ from: 8, secondsLeft: null });
  });
});
