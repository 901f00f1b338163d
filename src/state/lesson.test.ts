import { describe, expect, it } from 'vitest';
import { DEMO_MODELS } from '../demo';
import {
  EARLY_VISUAL,
  LESSON_IMAGE,
  LESSON_STEPS,
  lessonLink,
  lessonStep,
  lessonUrlState,
  offCentreV1Voxels,
  VENTRAL,
} from './lesson';
import { DEFAULT_URL_STATE, parseUrlState } from './urlState';

describe('the lesson steps', () => {
  it('has 6 to 8 steps, each with a link that opens it with its own state', () => {
    expect(LESSON_STEPS.length).toBeGreaterThanOrEqual(6);
    expect(LESSON_STEPS.length).toBeLessThanOrEqual(8);
    LESSON_STEPS.forEach((step, i) => {
      const opened = parseUrlState(lessonLink(i + 1));
      expect(opened.lesson).toBe(i + 1);
      expect(opened).toMatchObject(step.selection);
      expect(lessonStep(i + 1)).toBe(step);
    });
    expect(lessonLink(3)).toBe(
      `?model=models%2Fmini-subj01-finetuned%2F&subject=subj01&image=${LESSON_IMAGE}&experiment=rois:1,2,3&lesson=3`,
    );
    expect(lessonStep(0)).toBeNull();
    expect(lessonStep(LESSON_STEPS.length + 1)).toBeNull();
  });

  it('covers what the demo teaches: a receptive field, both ablations, one trial, four brains, shared vs single', () => {
    expect(LESSON_STEPS.map((s) => s.view)).toEqual([
      'result',
      'receptive-field',
      'ablation',
      'ablation',
      'repeats',
      'subjects',
      'shared',
    ]);
    const [, , early, ventral, repeats, , shared] = LESSON_STEPS;
    expect(early!.selection.experiment).toEqual({ kind: 'rois', silenced: EARLY_VISUAL });
    expect(ventral!.selection.experiment).toEqual({ kind: 'rois', silenced: VENTRAL });
    expect(repeats!.selection).toMatchObject({ trial: 'average', experiment: { kind: 'repeats', count: 1 } });
    expect(shared!.selection).toMatchObject({ model: DEMO_MODELS[0], compare: DEMO_MODELS[1] });
    // Every other step runs no experiment: moving on undoes an ablation.
    for (const step of LESSON_STEPS.filter((s) => s.view !== 'ablation' && s.view !== 'repeats'))
      expect(step.selection.experiment).toBeNull();
  });

  it("keeps the page's dataset, engine and seed in a step's state, and leaves presentation mode", () => {
    const current = {
      ...DEFAULT_URL_STATE,
      dataset: 'datasets/other/',
      engine: 'wasm' as const,
      seed: 4,
      image: 'test-0000',
      present: [],
    };
    expect(lessonUrlState(5, current)).toMatchObject({
      dataset: 'datasets/other/',
      engine: 'wasm',
      seed: 4,
      image: LESSON_IMAGE,
      trial: 'average',
      experiment: { kind: 'repeats', count: 1 },
      present: null,
      lesson: 5,
    });
    expect(lessonUrlState(99, current).lesson).toBeNull();
  });
});

describe('off-centre V1 voxels of the ground truth', () => {
  it('keeps V1 voxels whose receptive field sits 1.5-3.5 degrees from the centre and inside the picture', () => {
    const columns = ['prf_x', 'prf_y', 'prf_sigma', 'area'];
    const rows = [
      [2, 0, 0.3, 1], // V1, 2 deg right: kept
      [0.2, 0.1, 0.2, 1], // V1 at the centre
      [2, 1, 0.5, 2], // V2
      [-1.5, -1.5, 0.4, 1], // V1, lower left: kept
      [3.4, 0, 1, 1], // V1, its field over the picture's edge (8.4 deg wide)
      [2, 0, 0, 1], // V1 without a field
    ];
    const found = offCentreV1Voxels(columns, new Float32Array(rows.flat()), 8.4);
    expect(found.map((v) => v.position)).toEqual([0, 3]);
    expect(found[1]).toMatchObject({ x: -1.5, y: -1.5, sigma: expect.closeTo(0.4) });
    expect(offCentreV1Voxels(['prf_x'], new Float32Array([1]), 8.4)).toEqual([]);
  });
});
