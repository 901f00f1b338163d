// The most a bundle may make this app allocate or compute, in one place (docs/dataset-format.md and
// docs/model-format.md point here). Each is checked against what a file declares (a header, a size,
// a field), before the memory is taken, and a refusal names the file and the limit.

export const LIMITS = {
  /** Voxels one NIfTI volume may declare (x·y·z): 256³, a 1 mm whole-head grid with room to spare. */
  niftiVoxels: 256 ** 3,
  /** Bytes of one NIfTI file, after inflating a .nii.gz (inflating stops at this many). */
  niftiBytes: 256 * 2 ** 20,
  /** Pixels (width × height) a stimulus image may declare in its header: 4096 × 4096. */
  imagePixels: 4096 * 4096,
  /**
   * Denoising steps a model bundle may let a sampler run: `steps` and `decoder.maxSteps`, and the
   * prior's `trainSteps` (the most prior steps the app offers).
   */
  samplerSteps: 1000,
  /**
   * Values one read of a Zarr array (betas, encoding) decodes: a chunk's rows × the array's width, as
   * `.zarray` declares them. A row is read by decoding its whole chunk, so this bounds every read:
   * 2²⁴ values, 64 MiB as float32 (NSD's widest subject, 17,907 voxels, in chunks of 900 rows fits).
   */
  zarrChunkValues: 2 ** 24,
  /**
   * Decoded values an open Zarr array keeps of the chunks it read last (at least one chunk, however
   * large), so that stepping through neighbouring rows or a mean of repeats does not fetch a chunk
   * again, while paging through a 30,000-trial subject keeps memory flat: 2²², 16 MiB as float32
   * (27 chunks of 10 NSD rows).
   */
  zarrCachedValues: 2 ** 22,
  /**
   * Betas values (rows × V_s over all subjects, as the first check counted them) up to which the app
   * reads every chunk in the background once the dataset is shown: 2²⁶, about 2.5 times the demo
   * bundle. A bigger bundle (an NSD subject is 30,000 × 15,724 = 472 M values, ~800 MB of chunks)
   * would be downloaded whole to be checked, so its chunks are checked as they are read (each read
   * refuses a short chunk or a non-finite row), and `npm run validate` reads them all.
   */
  backgroundCheckValues: 2 ** 26,
  /**
   * Values one sample of any tensor a model's dims declare may hold (voxels, shared, clip_tokens T·D,
   * retrieval, the latent C·h·w, the image 3·S·S): 2²², 16 MiB as float32 (MindEye2's 256×1664 tokens
   * and a 3×1024×1024 image fit). A run holds a few such tensors per sample and guidance batch, so
   * this bounds what a model.json can make one run allocate outside its ONNX graphs.
   */
  modelTensorValues: 2 ** 22,
  /** Bytes of one ONNX file (read, then handed to onnxruntime, which needs several times as much). */
  onnxBytes: 512 * 2 ** 20,
  /** Seconds a server may send nothing (no answer yet, or a body that stopped) before a read gives up. */
  stallSeconds: 30,
} as const;

export type LimitName = keyof typeof LIMITS;

/** A limit of bytes a file may have; `name` says which (its unit is bytes). */
export type ByteLimit = 'niftiBytes' | 'onnxBytes';

/** A file found larger than a byte limit while it was read; sources turn it into a BundleReadError. */
export class SizeLimitError extends Error {
  override name = 'SizeLimitError';
  constructor(
    readonly limit: ByteLimit,
    /** The size declared (Content-Length, the file's size) or read so far. */
    readonly bytes: number,
    readonly declared: boolean,
  ) {
    super(sizeLimitMessage(limit, bytes, declared));
  }
}

export function sizeLimitMessage(limit: ByteLimit, bytes: number, declared: boolean): string {
  const size = declared
    ? `is ${bytes.toLocaleString('en-US')} bytes`
    : `holds more than ${bytes.toLocaleString('en-US')} bytes`;
  return `${size}, more than ${limitText(limit, 'bytes')}`;
}

/** "the limit of 16,777,216 voxels (LIMITS.niftiVoxels, src/data/limits.ts)", for refusal messages. */
export function limitText(name: LimitName, unit: string): string {
  return `the limit of ${LIMITS[name].toLocaleString('en-US')} ${unit} (LIMITS.${name}, src/data/limits.ts)`;
}
