// The evaluation's reference network (src/evaluation/referenceNet.ts): converted from nsfwjs's installed
// files, it computes what TensorFlow.js computes with the same weights (fixture made by
// scripts/reference-net-fixture.ts), its features tell the test images apart, and two-way
// identification on them behaves at its extremes.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTestSet } from '../data/testSet';
import { imageToTensor } from '../inference/preprocess';
import { decodeTfjsWeights, kerasToOnnx } from '../evaluation/kerasToOnnx';
import { twoWayIdentification } from '../metrics/identification';
import { buildReferenceNet, REFERENCE_NET, ReferenceFeatures } from '../evaluation/referenceNet';
import fixture from '../evaluation/fixtures/mobilenetv2-tfjs.json' with { type: 'json' };
import { referenceTestImage } from '../../test/referenceImage';
import { FsBundleSource } from './fsBundleSource';
import { createOrtNodeEngine } from './ortEngine';
import { readReferenceNetFiles, referenceNetOnnx } from './referenceNet';
import { decodeRgbWithSharp } from './sharpRgb';

const DATASET = fileURLToPath(new URL('../../public/datasets/synthetic-nsd', import.meta.url));
const engine = createOrtNodeEngine();

function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
  return m;
}

describe('the reference network (ImageNet MobileNetV2 from nsfwjs)', () => {
  let net: ReferenceFeatures;
  beforeAll(async () => {
    net = await ReferenceFeatures.load(engine, referenceNetOnnx());
  });
  afterAll(() => net.dispose());

  it('is converted from the installed package, up to block 10, without anything after it', () => {
    const files = readReferenceNetFiles();
    expect(files.source).toBe(fixture.source);
    const built = buildReferenceNet(files);
    expect(built.layers.at(-1)).toBe(REFERENCE_NET.layer);
    expect(built.layers.some((l) => l.startsWith('block_11') || l.startsWith('dense'))).toBe(false);
    expect(built.parameters).toBe(317_120);
    expect(built.onnx.length).toBeLessThan(2_000_000);
  });

  it("gives TensorFlow.js's block-10 features on a fixed image (nsfwjs's own runtime and weights)", async () => {
    const S = REFERENCE_NET.inputSize;
    const { data, dim } = await net.features({ dims: [1, 3, S, S], data: referenceTestImage(S) });
    const [channels, h, w] = fixture.shape as [number, number, number];
    expect(dim).toBe(channels * h * w);
    const sample = Array.from(data.filter((_, i) => i % fixture.sampleStride === 0));
    expect(sample).toHaveLength(fixture.sample.length);
    const scale = maxAbs(fixture.sample);
    expect(scale).toBeGreaterThan(1);
    const errors = sample.map((v, i) => v - fixture.sample[i]!);
    expect(maxAbs(errors) / scale, 'largest difference over the largest value').toBeLessThan(1e-4);
    const pooled = Array.from({ length: channels }, (_, c) => {
      let sum = 0;
      for (let p = 0; p < h * w; p++) sum += data[c * h * w + p]!;
      return sum / (h * w);
    });
    expect(maxAbs(pooled.map((v, i) => v - fixture.pooled[i]!))).toBeLessThan(1e-4 * maxAbs(fixture.pooled));
  });

  it('converts the whole fine-tuned model as TensorFlow.js runs it (the layers after block 10 and the head)', async () => {
    const files = readReferenceNetFiles();
    const whole = kerasToOnnx(files.model, decodeTfjsWeights(files.model, files.weights), {
      output: 'dense_3',
      inputSize: REFERENCE_NET.inputSize,
      inputScale: 1, // nsfwjs feeds [0, 1]
      inputOffset: 0,
      description: 'test',
    });
    const session = await engine.createSession(whole.onnx, 'whole.onnx');
    const S = REFERENCE_NET.inputSize;
    const { features } = await session.run({ image: { dims: [1, 3, S, S], data: referenceTestImage(S) } });
    await session.dispose();
    expect(features!.dims).toEqual([1, 5]);
    Array.from(features!.data).forEach((p, i) => expect(p).toBeCloseTo(fixture.probabilities[i]!, 4));
  });

  it('tells test images apart: two-way is 100% for an image against itself, high against a noisy copy, chance against other images', async () => {
    const source = new FsBundleSource(DATASET);
    const dataset = JSON.parse(new TextDecoder().decode(await source.read('dataset.json')));
    const samples = await loadTestSet(source, dataset, 'subj01', { limit: 24 });
    const S = 64;
    const per = 3 * S * S;
    const images = new Float32Array(samples.length * per);
    for (const [i, sample] of samples.entries())
      images.set(imageToTensor(await decodeRgbWithSharp(await source.read(sample.image.file)), S), i * per);
    const n = samples.length;
    const truth = await net.features({ dims: [n, 3, S, S], data: images });
    expect(truth.dim).toBe(96 * 14 * 14);
    expect(twoWayIdentification(truth.data, truth.data, truth.dim)).toBe(1);

    const noisy = images.map((v, i) => Math.min(1, Math.max(0, v + 0.1 * Math.sin(i * 12.9898))));
    const ofNoisy = await net.features({ dims: [n, 3, S, S], data: noisy });
    expect(twoWayIdentification(ofNoisy.data, truth.data, truth.dim)).toBeGreaterThan(0.95);

    // Each "reconstruction" is the next image: nothing of its own image is in it.
    const shifted = new Float32Array(images.length);
    for (let i = 0; i < n; i++) shifted.set(images.subarray(((i + 1) % n) * per, (((i + 1) % n) + 1) * per), i * per);
    const ofShifted = await net.features({ dims: [n, 3, S, S], data: shifted });
    const chance = twoWayIdentification(ofShifted.data, truth.data, truth.dim);
    expect(chance).toBeGreaterThan(0.3);
    expect(chance).toBeLessThan(0.7);
  });

  it('gives the same features whatever the batch, and for any image size', async () => {
    const one = await net.features({ dims: [1, 3, 64, 64], data: referenceTestImage(64) });
    const batch = new Float32Array(3 * 3 * 64 * 64);
    for (let i = 0; i < 3; i++) batch.set(referenceTestImage(64), i * 3 * 64 * 64);
    const three = await net.features({ dims: [3, 3, 64, 64], data: batch });
    expect(three.dim).toBe(one.dim);
    expect(maxAbs(three.data.subarray(2 * one.dim).map((v, i) => v - one.data[i]!))).toBeLessThan(1e-4);
    const large = await net.features({ dims: [1, 3, 32, 32], data: referenceTestImage(32) });
    expect(large.dim).toBe(one.dim);
  });

  it('refuses a package model whose layers up to block 10 are no longer frozen at their ImageNet weights', () => {
    const files = readReferenceNetFiles();
    const model = structuredClone(files.model);
    const layer = model.modelTopology.model_config.config.layers.find((l) => l.name === 'block_5_expand')!;
    layer.config.trainable = true;
    expect(() => buildReferenceNet({ ...files, model })).toThrow(/must be frozen.*block_5_expand/);
  });
});
