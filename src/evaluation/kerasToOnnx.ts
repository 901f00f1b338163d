// Converts a Keras functional model saved as a TensorFlow.js layers model (model.json's Keras
// config + weight shards) to an ONNX graph (opset 17, NCHW), up to a chosen layer: the evaluation's
// reference network is MobileNetV2 from a package's tfjs weights (src/evaluation/referenceNet.ts), and
// onnxruntime runs it in Node and in the browser like every other model here.
//
// The graph takes `image` [batch, 3, H, W] in [0, 1] (any H, W), resizes it bilinearly to the
// network's input size, maps it to the network's input range, and runs the layers. Outputs:
// `features` (the chosen layer's output, NCHW) and, for a spatial layer, `pooled` (its global average).
// Only the layer types and options Keras' MobileNetV2 uses are known (the tests check the conversion
// against TensorFlow.js on nsfwjs's models); any other is an error naming the layer.
import { writeOnnxModel, type AttributeValue, type OnnxInitializer, type OnnxNode } from '../data/onnxWriter.ts';

export interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: [string, number, number, unknown][][];
}

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}

export interface TfjsLayersModel {
  modelTopology: {
    model_config: {
      class_name: string;
      config: { layers: KerasLayer[]; input_layers: unknown[]; output_layers: unknown[] };
    };
  };
  weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
}

export interface Weight {
  shape: number[];
  data: Float32Array;
}

const BYTES: Record<string, number> = { uint8: 1, uint16: 2, float32: 4 };

/**
 * The weights of a tfjs model by name, from its shards' bytes concatenated in manifest order.
 * Quantized weights (uint8/uint16) are dequantized as tfjs does: q * scale + min.
 */
export function decodeTfjsWeights(model: TfjsLayersModel, data: Uint8Array): Map<string, Weight> {
  const weights = new Map<string, Weight>();
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = 0;
  for (const group of model.weightsManifest) {
    for (const spec of group.weights) {
      if (spec.dtype !== 'float32') throw new Error(`weight ${spec.name}: dtype ${spec.dtype} is not supported`);
      const stored = spec.quantization?.dtype ?? 'float32';
      const bytes = BYTES[stored];
      if (!bytes) throw new Error(`weight ${spec.name}: quantization ${stored} is not supported`);
      const size = spec.shape.reduce((a, b) => a * b, 1);
      if (offset + size * bytes > data.length)
        throw new Error(`weight ${spec.name}: the weight data end at byte ${data.length}, before its values`);
      const values = new Float32Array(size);
      const { min = 0, scale = 1 } = spec.quantization ?? {};
      for (let i = 0; i < size; i++) {
        const at = offset + i * bytes;
        values[i] =
          stored === 'uint8'
            ? view.getUint8(at) * scale + min
            : stored === 'uint16'
              ? view.getUint16(at, true) * scale + min
              : view.getFloat32(at, true);
      }
      weights.set(spec.name, { shape: spec.shape, data: values });
      offset += size * bytes;
    }
  }
  if (offset !== data.length) throw new Error(`the weight data hold ${data.length} bytes, the manifest ${offset}`);
  return weights;
}

export interface KerasToOnnxOptions {
  /** The layer whose output is the graph's `features`. */
  output: string;
  /** The network's input size (square); the graph resizes its input to it. */
  inputSize: number;
  /** x in [0, 1] becomes scale * x + offset, the input range the weights were trained on. */
  inputScale: number;
  inputOffset: number;
  /** Written into the model's doc string and metadata. */
  description: string;
  metadata?: Record<string, string>;
}

export interface KerasToOnnxResult {
  onnx: Uint8Array;
  /** The layers converted, in order (the output's ancestors). */
  layers: string[];
  /** Parameters in the converted graph. */
  parameters: number;
}

export function kerasToOnnx(
  model: TfjsLayersModel,
  weights: ReadonlyMap<string, Weight>,
  options: KerasToOnnxOptions,
): KerasToOnnxResult {
  const layers = model.modelTopology.model_config.config.layers;
  const byName = new Map(layers.map((l) => [l.name, l]));
  const inboundOf = (layer: KerasLayer): string[] => {
    if (layer.inbound_nodes.length === 0) return [];
    if (layer.inbound_nodes.length > 1) throw new Error(`layer ${layer.name} is called more than once`);
    return layer.inbound_nodes[0]!.map(([name]) => name);
  };
  if (!byName.has(options.output)) throw new Error(`the model has no layer ${options.output}`);
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name)) return;
    const layer = byName.get(name);
    if (!layer) throw new Error(`layer ${name} is an input of another layer but is not in the model`);
    needed.add(name);
    for (const input of inboundOf(layer)) visit(input);
  };
  visit(options.output);

  const nodes: OnnxNode[] = [];
  const initializers: OnnxInitializer[] = [];
  let parameters = 0;
  const constant = (name: string, dims: number[], data: Float32Array | BigInt64Array) => {
    initializers.push({ name, dims, data });
    return name;
  };
  const weight = (layer: string, key: string): Weight => {
    const w = weights.get(`${layer}/${key}`);
    if (!w) throw new Error(`layer ${layer}: weight ${layer}/${key} is missing`);
    parameters += w.data.length;
    return w;
  };
  const ints = (values: number[]) => BigInt64Array.from(values.map(BigInt));

  // Preprocessing: resize to the network's size (bilinear, half-pixel centres), then the input range.
  nodes.push(
    { op: 'Shape', inputs: ['image'], outputs: ['image_shape'] },
    {
      op: 'Slice',
      inputs: ['image_shape', constant('slice_start', [1], ints([0])), constant('slice_end', [1], ints([2]))],
      outputs: ['batch_channels'],
    },
    {
      op: 'Concat',
      inputs: ['batch_channels', constant('input_hw', [2], ints([options.inputSize, options.inputSize]))],
      outputs: ['resize_sizes'],
      attributes: { axis: 0 },
    },
    {
      op: 'Resize',
      inputs: ['image', '', '', 'resize_sizes'],
      outputs: ['image_resized'],
      attributes: { mode: 'linear', coordinate_transformation_mode: 'half_pixel' },
    },
    {
      op: 'Mul',
      inputs: ['image_resized', constant('input_scale', [], Float32Array.of(options.inputScale))],
      outputs: ['image_scaled'],
    },
    {
      op: 'Add',
      inputs: ['image_scaled', constant('input_offset', [], Float32Array.of(options.inputOffset))],
      outputs: ['network_input'],
    },
  );

  const activation = (name: string, input: string, kind: unknown): string => {
    switch (kind ?? 'linear') {
      case 'linear':
        return input;
      case 'relu':
        nodes.push({ op: 'Relu', inputs: [input], outputs: [`${name}/relu`] });
        return `${name}/relu`;
      case 'softmax':
        nodes.push({ op: 'Softmax', inputs: [input], outputs: [`${name}/softmax`], attributes: { axis: -1 } });
        return `${name}/softmax`;
      default:
        throw new Error(`layer ${name}: activation ${String(kind)} is not supported`);
    }
  };
  /** Explicit pads for Keras "valid", and "same" at stride 1 (MobileNetV2 pads explicitly before its strided layers). */
  const padding = (
    layer: KerasLayer,
    kernel: number[],
    strides: number[],
    dilations: number[],
  ): Record<string, AttributeValue> => {
    const mode = layer.config.padding;
    if (mode === 'valid') return { pads: [0, 0, 0, 0] };
    if (mode !== 'same') throw new Error(`layer ${layer.name}: padding ${String(mode)} is not supported`);
    if (strides.some((s) => s !== 1))
      throw new Error(`layer ${layer.name}: "same" padding at stride ${strides.join('x')} is not supported`);
    const total = kernel.map((k, i) => (k - 1) * dilations[i]!);
    const before = total.map((t) => Math.floor(t / 2));
    return { pads: [...before, ...total.map((t, i) => t - before[i]!)] };
  };
  const pair = (value: unknown, what: string, layer: string): number[] => {
    const v = typeof value === 'number' ? [value, value] : value;
    if (!Array.isArray(v) || v.length !== 2) throw new Error(`layer ${layer}: ${what} ${JSON.stringify(value)}`);
    return v as number[];
  };

  let outputIsSpatial = true;
  const spatial = new Map<string, boolean>();
  for (const layer of layers) {
    if (!needed.has(layer.name)) continue;
    const inputs = inboundOf(layer);
    const [input] = inputs;
    const out = layer.name;
    const c = layer.config;
    if (c.data_format !== undefined && c.data_format !== 'channels_last')
      throw new Error(`layer ${out}: data_format ${String(c.data_format)} is not supported`);
    let result = out;
    let isSpatial = input === undefined ? true : spatial.get(input)!;
    switch (layer.class_name) {
      case 'InputLayer':
        nodes.push({ op: 'Identity', inputs: ['network_input'], outputs: [out] });
        break;
      case 'ZeroPadding2D': {
        const [[top, bottom], [left, right]] = c.padding as [[number, number], [number, number]];
        const pads = constant(`${out}/pads`, [8], ints([0, 0, top, left, 0, 0, bottom, right]));
        nodes.push({ op: 'Pad', inputs: [input!, pads], outputs: [out], attributes: { mode: 'constant' } });
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const depthwise = layer.class_name === 'DepthwiseConv2D';
        const kernel = weight(out, depthwise ? 'depthwise_kernel' : 'kernel');
        const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
        // Keras [kh, kw, in, out] (depthwise: [kh, kw, in, multiplier]) -> ONNX [out, in/group, kh, kw]
        const outChannels = depthwise ? cin * cout : cout;
        const w = new Float32Array(kernel.data.length);
        for (let y = 0; y < kh; y++)
          for (let x = 0; x < kw; x++)
            for (let i = 0; i < cin; i++)
              for (let o = 0; o < cout; o++) {
                const from = ((y * kw + x) * cin + i) * cout + o;
                const to = depthwise ? ((i * cout + o) * kh + y) * kw + x : ((o * cin + i) * kh + y) * kw + x;
                w[to] = kernel.data[from]!;
              }
        const convInputs = [
          input!,
          constant(`${out}/W`, depthwise ? [outChannels, 1, kh, kw] : [cout, cin, kh, kw], w),
        ];
        if (c.use_bias) convInputs.push(constant(`${out}/B`, [outChannels], weight(out, 'bias').data));
        const strides = pair(c.strides, 'strides', out);
        const dilations = pair(c.dilation_rate ?? [1, 1], 'dilation_rate', out);
        nodes.push({
          op: 'Conv',
          inputs: convInputs,
          outputs: [`${out}/conv`],
          attributes: {
            kernel_shape: [kh, kw],
            strides,
            dilations,
            group: depthwise ? cin : 1,
            ...padding(layer, [kh, kw], strides, dilations),
          },
        });
        result = activation(out, `${out}/conv`, c.activation);
        break;
      }
      case 'BatchNormalization': {
        if (c.axis !== -1 && c.axis !== 3 && !(Array.isArray(c.axis) && c.axis[0] === 3))
          throw new Error(`layer ${out}: batch normalization over axis ${JSON.stringify(c.axis)} is not supported`);
        const mean = weight(out, 'moving_mean');
        const variance = weight(out, 'moving_variance');
        const n = mean.data.length;
        const gamma = c.scale === false ? new Float32Array(n).fill(1) : weight(out, 'gamma').data;
        const beta = c.center === false ? new Float32Array(n) : weight(out, 'beta').data;
        nodes.push({
          op: 'BatchNormalization',
          inputs: [
            input!,
            constant(`${out}/scale`, [n], gamma),
            constant(`${out}/bias`, [n], beta),
            constant(`${out}/mean`, [n], mean.data),
            constant(`${out}/var`, [n], variance.data),
          ],
          outputs: [out],
          attributes: { epsilon: { float: Number(c.epsilon ?? 0.001) } },
        });
        break;
      }
      case 'ReLU': {
        if ((c.negative_slope ?? 0) !== 0 || (c.threshold ?? 0) !== 0)
          throw new Error(`layer ${out}: ReLU with a slope or threshold is not supported`);
        if (c.max_value === null || c.max_value === undefined) {
          nodes.push({ op: 'Relu', inputs: [input!], outputs: [out] });
        } else {
          const lo = constant(`${out}/min`, [], Float32Array.of(0));
          const hi = constant(`${out}/max`, [], Float32Array.of(Number(c.max_value)));
          nodes.push({ op: 'Clip', inputs: [input!, lo, hi], outputs: [out] });
        }
        break;
      }
      case 'Add': {
        let sum = inputs[0]!;
        for (let i = 1; i < inputs.length; i++) {
          const to = i === inputs.length - 1 ? out : `${out}/${i}`;
          nodes.push({ op: 'Add', inputs: [sum, inputs[i]!], outputs: [to] });
          sum = to;
        }
        break;
      }
      case 'AveragePooling2D': {
        const kernel = pair(c.pool_size, 'pool_size', out);
        const strides = pair(c.strides ?? c.pool_size, 'strides', out);
        nodes.push({
          op: 'AveragePool',
          inputs: [input!],
          outputs: [out],
          attributes: { kernel_shape: kernel, strides, ...padding(layer, kernel, strides, [1, 1]) },
        });
        break;
      }
      case 'Flatten':
        // Keras flattens channels-last (h, w, c order).
        nodes.push(
          { op: 'Transpose', inputs: [input!], outputs: [`${out}/nhwc`], attributes: { perm: [0, 2, 3, 1] } },
          { op: 'Flatten', inputs: [`${out}/nhwc`], outputs: [out], attributes: { axis: 1 } },
        );
        isSpatial = false;
        break;
      case 'Dense': {
        if (isSpatial) throw new Error(`layer ${out}: Dense on a spatial input is not supported`);
        const kernel = weight(out, 'kernel');
        nodes.push({
          op: 'MatMul',
          inputs: [input!, constant(`${out}/W`, kernel.shape, kernel.data)],
          outputs: [`${out}/mm`],
        });
        let pre = `${out}/mm`;
        if (c.use_bias) {
          const bias = weight(out, 'bias');
          nodes.push({
            op: 'Add',
            inputs: [pre, constant(`${out}/B`, bias.shape, bias.data)],
            outputs: [`${out}/add`],
          });
          pre = `${out}/add`;
        }
        result = activation(out, pre, c.activation);
        break;
      }
      case 'Dropout':
        nodes.push({ op: 'Identity', inputs: [input!], outputs: [out] });
        break;
      default:
        throw new Error(`layer ${out}: ${layer.class_name} layers are not supported`);
    }
    if (result !== out) nodes.push({ op: 'Identity', inputs: [result], outputs: [out] });
    spatial.set(out, isSpatial);
    if (out === options.output) outputIsSpatial = isSpatial;
  }

  nodes.push({ op: 'Identity', inputs: [options.output], outputs: ['features'] });
  const outputs = [
    { name: 'features', shape: outputIsSpatial ? ['batch', 'channels', 'height', 'width'] : ['batch', 'features'] },
  ];
  if (outputIsSpatial) {
    nodes.push(
      { op: 'GlobalAveragePool', inputs: [options.output], outputs: ['pooled_4d'] },
      { op: 'Flatten', inputs: ['pooled_4d'], outputs: ['pooled'], attributes: { axis: 1 } },
    );
    outputs.push({ name: 'pooled', shape: ['batch', 'channels'] });
  }
  const onnx = writeOnnxModel({
    name: options.output,
    nodes,
    initializers,
    inputs: [{ name: 'image', shape: ['batch', 3, 'height', 'width'] }],
    outputs,
    opset: 17,
    producer: 'mindeye-web kerasToOnnx',
    doc: options.description,
    metadata: options.metadata,
  });
  return { onnx, layers: layers.filter((l) => needed.has(l.name)).map((l) => l.name), parameters };
}
