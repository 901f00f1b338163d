// The worker's service on onnxruntime-node, with the shipped demo bundles: what the app's
// Reconstruct, Retrieve and Measure actions compute, checked for shape, determinism and sense.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTestSet } from '../data/testSet';
import { FsBundleSource } from '../node/fsBundleSource';
import { fsModelBundleSource } from '../node/fsModelBundleSource';
import { createOrtNodeEngine } from '../node/ortEngine';
import { referenceNetOnnx } from '../node/referenceNet';
import { decodeRgbWithSharp } from '../node/sharpRgb';
import type { Progress } from './protocol';
import { InferenceService, sendsPicture, testImageIndices } from './service';

const PUBLIC = fileURLToPath(new URL('../../public/', import.meta.url));
const DATASET = `${PUBLIC}datasets/synthetic-nsd`;
const MODEL = `${PUBLIC}models/mini-subj01-finetuned`;
const datasetSource = new FsBundleSource(DATASET);

describe('InferenceService on the demo bundles (onnxruntime-node)', () => {
  let service: InferenceService;
  let voxels: Float32Array[];
  let imageIndices: number[];
  let referenceReads = 0;

  beforeAll(async () => {
    service = new InferenceService(
      createOrtNodeEngine(),
      {
        openDataset: (url) => new FsBundleSource(url),
        openModel: (url) => fsModelBundleSource(url),
        decodeImage: (bytes) => decodeRgbWithSharp(bytes),
        readReferenceNet: async () => {
          referenceReads++;
          return referenceNetOnnx();
        },
      },
      { previewIntervalMs: 0 },
    );
    await service.loadModel(MODEL, DATASET);
    const dataset = JSON.parse(new TextDecoder().decode(await datasetSource.read('dataset.json')));
    const testSet = await loadTestSet(datasetSource, dataset, 'subj01', { limit: 20 });
    voxels = testSet.map((s) => s.voxels);
    imageIndices = testSet.map((s) => s.imageIndex);
    expect(testImageIndices(dataset).slice(0, 20)).toEqual(imageIndices);
  }, 60_000);
  afterAll(() => service.dispose());

  const settings = { priorSteps: 10, decoderSteps: 10, cfgScale: 3, img2imgStrength: 0.7, blurryBlend: 0.25 };

  it('reconstructs N samples, picks the best by retrieval similarity, and previews the decoder steps', async () => {
    const steps: Progress[] = [];
    const result = await service.reconstruct(
      { modelUrl: MODEL, subject: 'subj01', voxels: voxels[0]!, seeds: [1, 2, 3], settings, preview: true },
      (p) => steps.push(p),
    );
    expect(result.size).toBe(64);
    expect(result.images.length).toBe(3 * 3 * 64 * 64);
    expect(Math.min(...result.images)).toBeGreaterThanOrEqual(-0.01);
    expect(Math.max(...result.images)).toBeLessThanOrEqual(1.01);
    expect(result.sampleScores).toHaveLength(3);
    expect(result.best).toBe(result.sampleScores.indexOf(Math.max(...result.sampleScores)));
    expect(result.blurry?.length).toBe(3 * 64 * 64);
    expect(result.retrieval.length).toBe(128);
    // img2img at 0.7 runs the last 7 of the 10 decoder steps
    expect(steps.map((p) => (p.kind === 'step' ? p.step : 0))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const pictures = steps.flatMap((p) => (p.kind === 'step' && p.image ? [p] : []));
    // With no least interval between pictures, each step but the last (the result) has one.
    expect(pictures.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(pictures.every((p) => p.image!.length === 3 * 64 * 64)).toBe(true);

    const alone = await service.reconstruct({
      modelUrl: MODEL,
      subject: 'subj01',
      voxels: voxels[0]!,
      seeds: [2],
      settings,
      preview: false,
    });
    const second = result.images.slice(3 * 64 * 64, 2 * 3 * 64 * 64);
    const diff = Math.max(...alone.images.map((v, i) => Math.abs(v - second[i]!)));
    expect(diff).toBeLessThan(1e-4);
  });

  it('retrieves the true image first for some trials, far above chance, in order of similarity', async () => {
    let correct = 0;
    for (let i = 0; i < voxels.length; i++) {
      const { retrieval } = await service.reconstruct({
        modelUrl: MODEL,
        subject: 'subj01',
        voxels: voxels[i]!,
        seeds: [0],
        settings: { ...settings, priorSteps: 2, decoderSteps: 2 },
        preview: false,
      });
      const { matches } = await service.retrieve(MODEL, retrieval, 5);
      expect(matches).toHaveLength(5);
      for (let j = 1; j < matches.length; j++)
        expect(matches[j - 1]!.similarity).toBeGreaterThanOrEqual(matches[j]!.similarity);
      if (matches[0]!.imageIndex === imageIndices[i]) correct++;
    }
    // Chance is 20/300 ≈ 0.07 correct; the shipped model's top-1 among 300 is about 19 %.
    expect(correct).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('finds the trials that match an image, often its own trials first, in order of similarity', async () => {
    let own = 0;
    for (const imageIndex of imageIndices) {
      const { matches } = await service.matchTrials(MODEL, 'subj01', imageIndex, 10);
      expect(matches).toHaveLength(10);
      expect(new Set(matches.map((m) => m.row)).size).toBe(10);
      for (let j = 1; j < matches.length; j++)
        expect(matches[j - 1]!.similarity).toBeGreaterThanOrEqual(matches[j]!.similarity);
      if (matches[0]!.imageIndex === imageIndex) own++;
    }
    // Chance: an image has 3 of the 900 trials, so 20 images put one of their own first ~0.07 times.
    expect(own).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('evaluates like the CLI, and refuses a model that is not loaded', async () => {
    const progress: Progress[] = [];
    const result = await service.evaluate(MODEL, 'subj01', { seed: 0, limit: 6, batch: 3 }, (p) => progress.push(p));
    expect(result.rows.slice(0, 5).map((r) => r.name)).toEqual([
      'reconstruction',
      'decoder alone (before the low-level blend)', // the shipped bundles blend 0.25 of the blurry image
      'low-level (blurry) alone',
      'without prior',
      'ceiling (decoder on true-image tokens, from noise)',
    ]);
    expect(result.samples).toBe(6);
    // Both two-way columns, the second on the reference network (read once, then kept).
    for (const row of result.rows.slice(0, 5)) {
      expect(row.twoWay, row.name).toBeTypeOf('number');
      expect(row.twoWayMobileNetV2, row.name).toBeGreaterThanOrEqual(0);
      expect(row.twoWayMobileNetV2, row.name).toBeLessThanOrEqual(1);
    }
    expect(result.timings['reference network (MobileNetV2) features']).toBeGreaterThan(0);
    expect(referenceReads).toBe(1);
    expect(progress.some((p) => p.kind === 'items' && p.what === 'test images reconstructed' && p.done === 6)).toBe(
      true,
    );
    await service.releaseModel(MODEL);
    await expect(service.retrieve(MODEL, new Float32Array(128), 5)).rejects.toThrow(/is not loaded/);
  }, 120_000);

  it('fails an evaluation whose reference network cannot be read, with the message, and works again after', async () => {
    let fail = true;
    const other = new InferenceService(createOrtNodeEngine(), {
      openDataset: (url) => new FsBundleSource(url),
      openModel: (url) => fsModelBundleSource(url),
      decodeImage: (bytes) => decodeRgbWithSharp(bytes),
      readReferenceNet: async () => {
        if (fail) throw new Error('reference/mobilenetv2-imagenet-block10.onnx: not found');
        return referenceNetOnnx();
      },
    });
    try {
      await other.loadModel(MODEL, DATASET);
      const options = { seed: 0, limit: 2, batch: 2 };
      await expect(other.evaluate(MODEL, 'subj01', options)).rejects.toThrow(/block10\.onnx: not found/);
      fail = false;
      const result = await other.evaluate(MODEL, 'subj01', options);
      expect(result.rows[0]!.twoWayMobileNetV2).toBeTypeOf('number');
    } finally {
      await other.dispose();
    }
  }, 120_000);
});

describe('the live preview', () => {
  it('sends a picture at most once per interval, every step but the last with no interval (a replay)', () => {
    expect(sendsPicture(3, 7, 40, 150)).toBe(false);
    expect(sendsPicture(3, 7, 150, 150)).toBe(true);
    expect([1, 2, 3, 4, 5, 6, 7].filter((step) => sendsPicture(step, 7, 1, 0))).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
