import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_STEPS } from '../inference/samplerLimits';
import { runCli } from '../../test/runCli';
import { TinyBundle } from '../../test/tinyBundle';
import { TinyModel } from '../../test/tinyModel';

const cli = new URL('./eval.ts', import.meta.url);
const runTool = (...args: string[]) => runCli(cli, ...args);

describe('npm run eval', () => {
  let dataset: TinyBundle;
  let model: TinyModel;
  beforeAll(async () => {
    [dataset, model] = await Promise.all([TinyBundle.create(), TinyModel.create()]);
  });
  afterAll(async () => {
    await Promise.all([dataset.dispose(), model.dispose()]);
  });

  it('prints the Table-1 columns for each row, the extra rows, the notes and the timings', async () => {
    const { code, stdout, stderr } = await runTool('--models', model.brainDir, '--dataset', dataset.dir);
    expect(stderr).toContain(
      'tiny-brain on tiny subj01: 2 test images (betas averaged over 2-2 trials), prior 4 steps, decoder 5 steps, CFG 2',
    );
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines.find((l) => l.startsWith('method'))).toMatch(
      /^method\s+PixCorr\s+SSIM\s+two-way \(own encoder\)\s+two-way \(MobileNetV2, ImageNet\)\s+image ret\.\s+brain ret\.$/,
    );
    const number = String.raw`-?\.\d{3}`;
    const percent = String.raw`\d+\.\d`;
    expect(stdout).toMatch(
      new RegExp(
        String.raw`^reconstruction\s+${number}\s+${number}\s+${percent}\s+${percent}\s+${percent}\s+${percent}$`,
        'm',
      ),
    );
    for (const row of [
      'low-level \\(blurry\\) alone',
      'without prior',
      'ceiling \\(decoder on true-image tokens, from noise\\)',
    ]) {
      expect(stdout).toMatch(
        new RegExp(String.raw`^${row}\s+${number}\s+${number}\s+${percent}\s+${percent}\s+—\s+—$`, 'm'),
      );
    }
    expect(stdout).toMatch(/^baseline \(test\)\s+\.125\s+\.250\s+50\.0\s+—\s+—\s+—$/m);
    expect(stdout).toContain('The fMRI data are simulated');
    expect(stdout).toContain("two-way (own encoder): on the bundle's own image encoder embedding");
    expect(stdout).toMatch(
      /two-way \(MobileNetV2, ImageNet\): .*ImageNet MobileNetV2, block_10_project_BN .*nsfwjs \d+\.\d+\.\d+/,
    );
    expect(stdout).toMatch(/^\s+decoder\s+\d+ ms total\s+[\d.]+ ms\/image$/m);
  });

  it('writes JSON that gives the same numbers for any batch size, and a figure', async () => {
    const figure = join(dataset.dir, 'figure.png');
    const args = ['--models', model.brainDir, '--dataset', dataset.dir, '--subject', 'subj02', '--json', '--seed', '3'];
    const [one, two] = await Promise.all([
      runTool(...args, '--batch', '1', '--figure', figure),
      runTool(...args, '--batch', '2'),
    ]);
    expect([one.code, two.code]).toEqual([0, 0]);
    type Report = { rows: Record<string, string | number>[]; subject: string; samples: number };
    const [a, b] = [JSON.parse(one.stdout), JSON.parse(two.stdout)] as Report[];
    expect(a!.subject).toBe('subj02');
    expect(a!.samples).toBe(2);
    // Each sample has its own noise, so only float rounding in the engine may differ between batchings.
    expect(a!.rows.map((r) => r.name)).toEqual(b!.rows.map((r) => r.name));
    a!.rows.forEach((row, i) => {
      for (const [key, value] of Object.entries(row)) {
        if (typeof value === 'number') expect(b!.rows[i]![key]).toBeCloseTo(value, 5);
      }
    });
    // seen | reconstruction | low-level | ceiling, 2 rows, then the notes (simulated data, ...)
    const { width, height } = await sharp(await readFile(figure)).metadata();
    expect(width).toBe(4 * 128 + 5 * 4);
    expect(height).toBeGreaterThan(28 + 2 * 128 + 3 * 4 + 2 * 17);
    for (const row of a!.rows.slice(0, 4)) expect(row.twoWayMobileNetV2, row.name as string).toBeTypeOf('number');
  });

  it('says what is wrong with its input, without a stack trace', async () => {
    const missing = await runTool('--models', join(model.root, 'nope'), '--dataset', dataset.dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^error: model bundle .*nope cannot be used with dataset tiny:\n {2}model\.json: not found/,
    );
    expect(missing.stderr).not.toMatch(/\n\s+at /);

    const subject = await runTool('--models', model.brainDir, '--dataset', dataset.dir, '--subject', 'subj03');
    expect(subject.stderr.trim()).toBe('error: model tiny-brain has no subject subj03 (it has subj01, subj02)');

    await model.editModelJson((json) => {
      json.subjects.subj01!.voxelCount = 29;
    });
    const misfit = await runTool('--models', model.brainDir, '--dataset', dataset.dir);
    expect(misfit.stderr).toContain(
      'model.json: model tiny-brain (trained on none) does not fit dataset tiny (Tiny test bundle): subj01 has V_s 29, voxel order "fortran" in the model, V_s 30, voxel order "fortran" in the dataset (V_s differs)',
    );
    expect(misfit.code).toBe(1);
  });

  it('exits 1 on NaN betas, naming the chunk and row, and escapes ids it prints (issue 16, findings 3 and 8)', async () => {
    await model.editModelJson((json) => {
      json.subjects.subj01!.voxelCount = 30; // as it was before the test above
    });
    await dataset.writeZarr('subjects/subj02/betas.zarr', {
      shape: [2, 40],
      chunkRows: 2,
      dtype: 'float16',
      compressor: 'gzip',
      value: (r, c) => (r === 1 && c === 3 ? NaN : (r + c) / 8),
    });
    const nan = await runTool('--models', model.brainDir, '--dataset', dataset.dir, '--subject', 'subj02');
    expect(nan.code).toBe(1);
    expect(nan.stderr).toMatch(/^error: subjects\/subj02\/betas\.zarr\/0\.0: row 1 holds NaN at column 3$/m);
    expect(nan.stdout).not.toMatch(/NaN/);

    await model.editModelJson((json) => {
      json.id = 'tiny\u001b[2K\rfake';
    });
    const spoof = await runTool('--models', model.brainDir, '--dataset', dataset.dir, '--subject', 'subj03');
    expect(spoof.stderr.trim()).toBe(
      String.raw`error: model tiny\u001b[2K\u000dfake has no subject subj03 (it has subj01, subj02)`,
    );
  });

  it('refuses fewer steps than samplerLimits allows before reading a bundle', async () => {
    const { code, stderr } = await runTool(
      '--models',
      'nope',
      '--dataset',
      'nope',
      '--prior-steps',
      String(MIN_STEPS - 1),
    );
    expect(code).toBe(2);
    expect(stderr).toContain(`--prior-steps must be an integer >= ${MIN_STEPS}, not "${MIN_STEPS - 1}"`);
  });

  it('exits 2 with the usage for a wrong command line', async () => {
    const { code, stderr } = await runTool('--models', model.brainDir, '--datset', dataset.dir);
    expect(code).toBe(2);
    expect(stderr).toContain('usage: npm run eval -- --models <model bundle> --dataset <dataset bundle>');
  });
});
