// Two tiny model bundles (tiny-brain reaching ../tiny-image) with parity fixtures, written by
// make_tiny_model.py with Debian's python3 (numpy, onnx), for the engine, loader, parity and CLI tests.
// Node only.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ModelJson } from '../src/data/modelSchema';

const SCRIPT = fileURLToPath(new URL('./make_tiny_model.py', import.meta.url));

export class TinyModel {
  private constructor(readonly root: string) {}

  static async create(): Promise<TinyModel> {
    const root = await mkdtemp(join(tmpdir(), 'mindeye-tiny-model-'));
    await promisify(execFile)('/usr/bin/python3', [SCRIPT, root]);
    return new TinyModel(root);
  }

  /** The brain bundle (model.json, adapters, backbone, prior). */
  get brainDir(): string {
    return join(this.root, 'tiny-brain');
  }

  /** The image bundle it shares (decoder, VAE decoder, image encoder). */
  get imageDir(): string {
    return join(this.root, 'tiny-image');
  }

  async editModelJson(edit: (json: ModelJson) => void): Promise<void> {
    const path = join(this.brainDir, 'model.json');
    const json = JSON.parse(await readFile(path, 'utf8')) as ModelJson;
    edit(json);
    await writeFile(path, JSON.stringify(json));
  }

  /** Points model.json at the decoder split in two (decoderCondition + the step), as the mini bundles ship it. */
  useSplitDecoder(): Promise<void> {
    return this.editModelJson((json) => {
      json.files.decoderCondition = '../tiny-image/decoder-condition.onnx';
      json.files.decoder = '../tiny-image/decoder-step.onnx';
    });
  }

  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
