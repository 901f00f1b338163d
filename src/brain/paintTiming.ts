// User Timing names of the way from a trial's choice to its betas drawn in the brain view, so that a
// bench or a Playwright spec (e2e/nsdScale.spec.ts) reads each step with
// performance.getEntriesByName: the read (its chunk fetched, inflated and decoded), the paint (the
// voxel vector into a volume, on the main thread), NiiVue's update (texture upload and draw, in
// software GL on a machine without a GPU). Only the latest trial's entries are kept, so a long
// session of paging does not collect them.

export const TRIAL_TIMING = {
  /** Mark: the selection named a new trial (subject, image, repeat) to show. */
  chosen: 'trial:chosen',
  /** Measure from `chosen`: its voxels are read (the chunk arrived, inflated and decoded). */
  read: 'trial:read',
  /** Measure: the voxel vector painted into a volume (vectorToVolume). */
  paint: 'trial:paint',
  /** Measure: NiiVue's update of the activity layer (setActivity: copy, calibration, updateGLVolume). */
  draw: 'trial:niivue',
  /** Measure from `chosen`: the activity is drawn. */
  shown: 'trial:shown',
} as const;

const hasTiming = () => typeof performance !== 'undefined' && typeof performance.mark === 'function';

/** Marks a new choice, dropping the entries of the one before. */
export function markTrialChosen(): void {
  if (!hasTiming()) return;
  for (const name of Object.values(TRIAL_TIMING)) {
    performance.clearMarks(name);
    performance.clearMeasures(name);
  }
  performance.mark(TRIAL_TIMING.chosen);
}

/** Measures from the choice to now, when a choice was marked (a trial shown before any was chosen is not). */
export function measureSinceChosen(name: typeof TRIAL_TIMING.read | typeof TRIAL_TIMING.shown): void {
  if (!hasTiming() || performance.getEntriesByName(TRIAL_TIMING.chosen, 'mark').length === 0) return;
  performance.measure(name, TRIAL_TIMING.chosen);
}

/** Runs `step` and records how long it took under `name`. */
export function timed<T>(name: typeof TRIAL_TIMING.paint | typeof TRIAL_TIMING.draw, step: () => T): T {
  if (!hasTiming()) return step();
  const start = performance.now();
  const result = step();
  performance.clearMeasures(name);
  performance.measure(name, { start, end: performance.now() });
  return result;
}
