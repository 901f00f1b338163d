// Parity fixtures written by the Python exporter next to each bundle (parity/<onnx file>.json and
// parity/sampler.json: PyTorch's outputs for fixed inputs), and the comparisons the parity tests make
// with them. Node only.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { HostTensor } from '../src/inference/engine';

export interface TensorJson {
  shape: number[];
  /** base64 of float32 little-endian values */
  data: string;
}

export interface Tolerance {
  atol: number;
  rtol?: number;
}

export interface OnnxFixture extends Tolerance {
  inputs: Record<string, TensorJson>;
  outputs: Record<string, TensorJson>;
}

export interface SamplerFixture extends Tolerance {
  prior: { noise: TensorJson; cond: TensorJson; steps: number; result: TensorJson };
  decoder: {
    noise: TensorJson;
    tokens: TensorJson;
    steps: number;
    cfgScale: number;
    /** img2img: the decoder starts from `start` at this strength (absent in fixtures of older bundles). */
    start?: TensorJson;
    img2imgStrength?: number;
    latent: TensorJson;
    image: TensorJson;
  };
}

export function decodeTensor({ shape, data }: TensorJson): HostTensor {
  const bytes = Buffer.from(data, 'base64');
  const values = new Float32Array(bytes.length / 4);
  for (let i = 0; i < values.length; i++) values[i] = bytes.readFloatLE(4 * i);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== values.length) throw new Error(`a [${shape.join(', ')}] tensor with ${values.length} values`);
  return { dims: shape, data: values };
}

export async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/**
 * How `actual` differs from `expected` under numpy's allclose rule |a − e| <= atol + rtol·|e|;
 * null when it is within tolerance.
 */
export function mismatch(actual: HostTensor, expected: HostTensor, { atol, rtol = 0 }: Tolerance): string | null {
  if (actual.dims.join() !== expected.dims.join()) {
    return `shape [${actual.dims.join(', ')}], expected [${expected.dims.join(', ')}]`;
  }
  let worst = 0;
  let worstAt = -1;
  let outside = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const [a, e] = [actual.data[i]!, expected.data[i]!];
    const error = Math.abs(a - e);
    if (!(error <= atol + rtol * Math.abs(e))) outside++;
    if (!(error <= worst)) [worst, worstAt] = [error, i];
  }
  if (outside === 0) return null;
  return (
    `${outside} of ${expected.data.length} values outside atol ${atol} + rtol ${rtol}; the worst at ${worstAt}: ` +
    `${actual.data[worstAt]} vs ${expected.data[worstAt]} (|error| ${worst.toExponential(2)})`
  );
}

/** The largest |actual − expected|, for reports. */
export function maxAbsError(actual: HostTensor, expected: HostTensor): number {
  let worst = 0;
  for (let i = 0; i < expected.data.length; i++) worst = Math.max(worst, Math.abs(actual.data[i]! - expected.data[i]!));
  return worst;
}

/**
 * Bundle folders with parity fixtures: public/models/* and each folder of MINDEYE_PARITY_DIRS
 * (colon-separated), where a folder without parity/ stands for the bundles inside it.
 */
export async function parityFolders(
  repoRoot: string,
  extra = process.env.MINDEYE_PARITY_DIRS ?? '',
): Promise<string[]> {
  const roots = [join(repoRoot, 'public', 'models'), ...extra.split(':').filter((p) => p !== '')];
  const found: string[] = [];
  for (const root of roots.map((r) => resolve(r))) {
    if (existsSync(join(root, 'parity'))) {
      found.push(root);
      continue;
    }
    if (!existsSync(root)) continue;
    for (const entry of (await readdir(root, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory() && existsSync(join(root, entry.name, 'parity'))) found.push(join(root, entry.name));
    }
  }
  return [...new Set(found)];
}

/** The ONNX files of a bundle folder, each with its fixture path (which may be missing). */
export async function onnxFilesWithFixtures(folder: string): Promise<{ file: string; fixture: string }[]> {
  const files = (await readdir(folder)).filter((f) => f.endsWith('.onnx')).sort();
  return files.map((file) => ({ file, fixture: join(folder, 'parity', `${file}.json`) }));
}

/** Written to stderr by webgpuParity.ts before each file, so its log can be split by file. */
export const FILE_MARKER = '@@parity-file ';

/**
 * The nodes onnxruntime placed on its CPU EP, per file, from a verbose (level 0) log split by
 * FILE_MARKER lines: "Node(s) placed on [CPUExecutionProvider]. Number of nodes: N" and then one
 * "  Op (name)" line per node. Each is a GPU<->CPU copy at run time (DESIGN §8).
 */
export function cpuPlacements(log: string): Record<string, { count: number; ops: Record<string, number> }> {
  const result: Record<string, { count: number; ops: Record<string, number> }> = {};
  let file: string | null = null;
  let listing = false;
  for (const line of log.split('\n')) {
    if (line.startsWith(FILE_MARKER)) {
      file = line.slice(FILE_MARKER.length).trim();
      result[file] = { count: 0, ops: {} };
      listing = false;
      continue;
    }
    if (!file) continue;
    const header = /Node\(s\) placed on \[(\w+)\]\. Number of nodes: (\d+)/.exec(line);
    if (header) {
      listing = header[1] === 'CPUExecutionProvider';
      if (listing) result[file]!.count += Number(header[2]);
      continue;
    }
    const node = /VerifyEachNodeIsAssignedToAnEp\]\s{3}(\w+) \(/.exec(line);
    if (!node) listing = false;
    else if (listing) result[file]!.ops[node[1]!] = (result[file]!.ops[node[1]!] ?? 0) + 1;
  }
  return result;
}
