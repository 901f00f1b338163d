// Parity on onnxruntime-node's WebGPU EP (ORT's native WebGPU engine, the one onnxruntime-web/webgpu
// runs in the browser), through SwiftShader, Chromium's CPU Vulkan driver. In a child process: the
// Vulkan driver is chosen by environment variables before ORT loads. SwiftShader is slow (seconds per
// first run of a file), so for the exported bundles only the small files run here; the CPU parity
// test covers them all.
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuPlacements, onnxFilesWithFixtures, parityFolders } from './parity';
import type { ParityResult } from './parityChecks';
import { TinyModel } from './tinyModel';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./webgpuParity.ts', import.meta.url));
const CHROMIUM = '/usr/lib/chromium';
const SWIFTSHADER_ICD = join(CHROMIUM, 'vk_swiftshader_icd.json');
/** Files up to this size run on SwiftShader here (adapters, backbone, VAE decoder of the mini family). */
const SMALL_FILE_BYTES = 2.5 * 2 ** 20;

interface ChildReport {
  results: ParityResult[];
  cpuNodes: ReturnType<typeof cpuPlacements>;
}

function runOnWebgpu(folder: string, files: string[]): Promise<ChildReport> {
  const env = { ...process.env, LD_LIBRARY_PATH: CHROMIUM, VK_ICD_FILENAMES: SWIFTSHADER_ICD };
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', SCRIPT, folder, ...files],
      { env, maxBuffer: 256 * 2 ** 20 },
      (error, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('PARITY'));
        if (line?.startsWith('PARITY ')) {
          resolve({ results: JSON.parse(line.slice(7)) as ParityResult[], cpuNodes: cpuPlacements(stderr) });
        } else {
          const reason = line ?? (error ? error.message : 'no result');
          reject(new Error(`the WebGPU child process failed: ${reason}\n${stderr.split('\n').slice(-20).join('\n')}`));
        }
      },
    );
  });
}

const failures = (report: ChildReport) => report.results.filter((r) => r.problem).map((r) => `${r.name}: ${r.problem}`);

const hasSwiftShader = existsSync(SWIFTSHADER_ICD);
const folders = hasSwiftShader ? await parityFolders(REPO) : [];

describe.skipIf(!hasSwiftShader)('parity on the WebGPU EP (SwiftShader)', () => {
  let tiny: TinyModel;
  beforeAll(async () => {
    tiny = await TinyModel.create();
  });
  afterAll(() => tiny.dispose());

  it('runs the tiny model like numpy, every node on the GPU', async () => {
    for (const folder of [tiny.brainDir, tiny.imageDir]) {
      const report = await runOnWebgpu(folder, []);
      expect(report.results.length).toBeGreaterThan(0);
      expect(failures(report)).toEqual([]);
      const files = (await onnxFilesWithFixtures(folder)).map((f) => f.file);
      expect(report.cpuNodes).toEqual(Object.fromEntries(files.map((file) => [file, { count: 0, ops: {} }])));
    }
  }, 60_000);

  for (const folder of folders) {
    it(`runs the small files of ${folder} like PyTorch`, async () => {
      const small = (await onnxFilesWithFixtures(folder))
        .map((f) => f.file)
        .filter((f) => statSync(join(folder, f)).size <= SMALL_FILE_BYTES);
      if (small.length === 0) return;
      const report = await runOnWebgpu(folder, small);
      expect(report.results.map((r) => r.name.split(' ')[0])).toEqual(expect.arrayContaining(small));
      expect(failures(report)).toEqual([]);
      // CPU-placed nodes cost a copy each on WebGPU; reported here, held to zero by the tiny model above.
      for (const [file, placed] of Object.entries(report.cpuNodes)) {
        if (placed.count > 0)
          console.info(`${folder}/${file}: ${placed.count} nodes on the CPU EP: ${JSON.stringify(placed.ops)}`);
      }
    }, 120_000);
  }
});

if (!hasSwiftShader) {
  it('parity on the WebGPU EP', (context) =>
    context.skip(`no SwiftShader Vulkan driver at ${SWIFTSHADER_ICD} (Debian's chromium)`));
}
