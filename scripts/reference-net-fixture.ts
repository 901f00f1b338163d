// Writes src/evaluation/fixtures/mobilenetv2-tfjs.json: what TensorFlow.js itself computes with
// nsfwjs's MobileNetV2 (the package's own runtime and weights) on a fixed image, for the parity test
// of our ONNX conversion (src/node/referenceNet.test.ts). TensorFlow.js is not a dependency of this
// project; install it anywhere and pass its folder:
//
//   npm install --prefix /tmp/tfjs @tensorflow/tfjs@4.22.0
//   npx tsx scripts/reference-net-fixture.ts /tmp/tfjs/node_modules/@tensorflow/tfjs
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { REFERENCE_NET } from '../src/evaluation/referenceNet.ts';
import { readReferenceNetFiles } from '../src/node/referenceNet.ts';
import { referenceTestImage } from '../test/referenceImage.ts';

const tfjsDir = process.argv[2];
if (!tfjsDir) {
  console.error('usage: npx tsx scripts/reference-net-fixture.ts <folder of the @tensorflow/tfjs package>');
  process.exit(2);
}
// TensorFlow.js' own types are not installed here: the few calls used are typed by hand.
interface TfTensor {
  data(): Promise<Float32Array>;
  mul(x: number): TfTensor;
  sub(x: number): TfTensor;
}
interface TfModel {
  inputs: unknown[];
  predict(x: TfTensor): TfTensor;
  getLayer(name: string): { output: unknown };
}
interface Tf {
  version: { tfjs: string };
  setBackend(name: string): Promise<boolean>;
  tensor4d(data: Float32Array, shape: number[]): TfTensor;
  model(config: { inputs: unknown[]; outputs: unknown }): TfModel;
  loadLayersModel(handler: unknown): Promise<TfModel>;
  io: { fromMemory(artifacts: unknown): unknown };
}
const tf = createRequire(import.meta.url)(tfjsDir) as Tf;
await tf.setBackend('cpu');

const files = readReferenceNetFiles();
const weights = files.weights.buffer.slice(files.weights.byteOffset, files.weights.byteOffset + files.weights.length);
const model = await tf.loadLayersModel(
  tf.io.fromMemory({
    modelTopology: files.model.modelTopology,
    weightSpecs: files.model.weightsManifest.flatMap((g) => g.weights),
    weightData: weights,
  }),
);
const features = tf.model({ inputs: model.inputs, outputs: model.getLayer(REFERENCE_NET.layer).output });

const S = REFERENCE_NET.inputSize;
const nchw = referenceTestImage(S);
const nhwc = new Float32Array(nchw.length);
for (let c = 0; c < 3; c++) for (let i = 0; i < S * S; i++) nhwc[i * 3 + c] = nchw[c * S * S + i]!;
const input = tf.tensor4d(nhwc, [1, S, S, 3]);
// The features with Keras' MobileNetV2 input range, [-1, 1]; the whole (fine-tuned) model as nsfwjs
// runs it, on [0, 1].
const out = await features.predict(input.mul(REFERENCE_NET.inputScale).sub(-REFERENCE_NET.inputOffset)).data();
const probabilities = Array.from(await model.predict(input).data());

const channels = out.length / (S / 16) ** 2;
const side = S / 16;
// NHWC from tfjs -> NCHW as the ONNX graph gives it; keep every 37th value and the channel means.
const chw = new Float32Array(out.length);
for (let p = 0; p < side * side; p++)
  for (let c = 0; c < channels; c++) chw[c * side * side + p] = out[p * channels + c]!;
const STRIDE = 37;
const sample = Array.from(chw.filter((_, i) => i % STRIDE === 0));
const pooled = Array.from({ length: channels }, (_, c) => {
  let sum = 0;
  for (let p = 0; p < side * side; p++) sum += chw[c * side * side + p]!;
  return sum / (side * side);
});
const round = (values: number[]) => values.map((v) => Number(v.toPrecision(7)));
const fixture = {
  about: `TensorFlow.js ${tf.version.tfjs} (cpu backend) on ${files.source} dist/models/${REFERENCE_NET.model}, input referenceTestImage(${S}) (test/referenceImage.ts); written by scripts/reference-net-fixture.ts`,
  source: files.source,
  layer: REFERENCE_NET.layer,
  shape: [channels, side, side],
  sampleStride: STRIDE,
  sample: round(sample),
  pooled: round(pooled),
  probabilities: round(probabilities),
};
const path = new URL('../src/evaluation/fixtures/mobilenetv2-tfjs.json', import.meta.url);
writeFileSync(path, JSON.stringify(fixture, null, 1) + '\n');
console.log(
  `wrote ${path.pathname}: ${sample.length} sampled values, ${pooled.length} channel means, probabilities ${probabilities.map((p) => p.toFixed(4)).join(' ')}`,
);
