// The reference network of the evaluation's "two-way (MobileNetV2, ImageNet)" column: a network this
// project did not train, so that two-way identification does not grade reconstructions with the
// encoder the brain model was trained to hit (MindEye2 uses AlexNet, Inception and CLIP for this).
//
// It is Keras' ImageNet MobileNetV2 (alpha 1.0, 224 px) as the npm package nsfwjs ships it (MIT; the
// model of GantMan/nsfw_model, weights 8-bit quantized by the tfjs converter). That model fine-tuned
// only the layers after block 10 for its own task: its model.json marks every layer up to and
// including block_10 `trainable: false`, so those hold Keras Applications' ImageNet weights. The
// features are the output of block 10 (block_10_project_BN: 96 channels, 14 x 14 at 224 px), with the
// input in [-1, 1] as Keras' mobilenet_v2.preprocess_input makes it; the bundle's images are resized
// bilinearly from their S px inside the graph. Nothing after block 10 is converted.
//
// The ONNX file is built from the installed package (no download, nothing committed): by the CLI in
// memory (src/node/referenceNet.ts) and by `vite build` into dist/ for the app (vite.config.ts).
import type { Engine, EngineSession, HostTensor } from '../inference/engine';
import { decodeTfjsWeights, kerasToOnnx, type KerasToOnnxResult, type TfjsLayersModel } from './kerasToOnnx.ts';

export const REFERENCE_NET = {
  /** The package whose files hold the weights; its version is read from the installed copy. */
  packageName: 'nsfwjs',
  /** Its model folder, under the package's dist/models/. */
  model: 'mobilenet_v2',
  /** The last layer converted: the last of the layers that kept their ImageNet weights. */
  layer: 'block_10_project_BN',
  inputSize: 224,
  /** Keras mobilenet_v2.preprocess_input: x / 127.5 - 1, i.e. 2 * x - 1 for x in [0, 1]. */
  inputScale: 2,
  inputOffset: -1,
  /** Where the app finds the built file, relative to the page; also its file name in messages. */
  file: 'reference/mobilenetv2-imagenet-block10.onnx',
  title: 'MobileNetV2, ImageNet',
} as const;

/** The package's files the conversion reads: the tfjs model.json and its weight shards. */
export interface ReferenceNetFiles {
  model: TfjsLayersModel;
  /** The weight shards' bytes, concatenated in manifest order. */
  weights: Uint8Array;
  /** e.g. "nsfwjs 4.3.0", recorded in the ONNX file. */
  source: string;
}

/** The ONNX file of the reference network, converted from the package's files. */
export function buildReferenceNet(files: ReferenceNetFiles): KerasToOnnxResult {
  const layers = files.model.modelTopology.model_config.config.layers;
  // The conversion relies on the layers it uses having kept their ImageNet weights: check that the
  // package's model still says so, so that a new release that fine-tunes more cannot slip in.
  const end = layers.findIndex((l) => l.name === REFERENCE_NET.layer);
  if (end < 0) throw new Error(`${files.source} ${REFERENCE_NET.model}: no layer ${REFERENCE_NET.layer}`);
  const trained = layers.slice(1, end + 1).filter((l) => l.config.trainable !== false);
  if (trained.length > 0)
    throw new Error(
      `${files.source} ${REFERENCE_NET.model}: layers up to ${REFERENCE_NET.layer} must be frozen (ImageNet weights); ${trained.map((l) => l.name).join(', ')} are not`,
    );
  return kerasToOnnx(files.model, decodeTfjsWeights(files.model, files.weights), {
    output: REFERENCE_NET.layer,
    inputSize: REFERENCE_NET.inputSize,
    inputScale: REFERENCE_NET.inputScale,
    inputOffset: REFERENCE_NET.inputOffset,
    description: `Keras ImageNet MobileNetV2 (alpha 1.0, 224 px) up to ${REFERENCE_NET.layer}, from ${files.source} (dist/models/${REFERENCE_NET.model}); input [batch, 3, H, W] in [0, 1]`,
    metadata: { source: files.source, layer: REFERENCE_NET.layer },
  });
}

/** Images per run of the reference network. */
const BATCH = 16;

/** Features of images by the reference network: the flattened block-10 output, [n, dim]. */
export class ReferenceFeatures {
  private constructor(private readonly session: EngineSession) {}

  static async load(engine: Engine, bytes: Uint8Array): Promise<ReferenceFeatures> {
    const session = await engine.createSession(bytes, REFERENCE_NET.file);
    const names = session.outputs.map((o) => o.name);
    if (session.inputs[0]?.name !== 'image' || !names.includes('features')) {
      await session.dispose();
      throw new Error(`${REFERENCE_NET.file}: expected input "image" and output "features", found ${names.join(', ')}`);
    }
    return new ReferenceFeatures(session);
  }

  /** images: [n, 3, S, S] in [0, 1]. Returns [n, dim] row-major and dim. */
  async features(images: HostTensor): Promise<{ data: Float32Array; dim: number }> {
    const [n = 0, ...rest] = images.dims;
    const per = rest.reduce((a, b) => a * b, 1);
    const parts: Float32Array[] = [];
    let dim = 0;
    for (let start = 0; start < n; start += BATCH) {
      const end = Math.min(n, start + BATCH);
      const batch = { dims: [end - start, ...rest], data: images.data.subarray(start * per, end * per) };
      const { features } = await this.session.run({ image: batch });
      dim = features!.data.length / (end - start);
      parts.push(features!.data);
    }
    const data = new Float32Array(n * dim);
    let offset = 0;
    for (const part of parts) {
      data.set(part, offset);
      offset += part.length;
    }
    return { data, dim };
  }

  dispose(): Promise<void> {
    return this.session.dispose();
  }
}
