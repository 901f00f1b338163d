import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/runCli';
import { TinyBundle } from '../../test/tinyBundle';

const cli = new URL('./validate.ts', import.meta.url);
const runTool = (...args: string[]) => runCli(cli, ...args);

describe('npm run validate', () => {
  let bundle: TinyBundle;
  beforeAll(async () => {
    bundle = await TinyBundle.create();
  });
  afterAll(() => bundle.dispose());

  it('prints the summary and exits 0 for a valid bundle', async () => {
    const { code, stdout } = await runTool(bundle.dir);
    expect(code).toBe(0);
    expect(stdout).toContain('Tiny test bundle (tiny), simulated data');
    expect(stdout).toMatch(/subj01\s+30\s+2\s+4\s+single-trial/);
    expect(stdout).toMatch(/subj03\s+15\s+-\s+-\s+anatomy only/);
  });

  it('prints each problem as "<file>: <message>" and exits 1', async () => {
    await bundle.remove('images/img-001.png');
    await bundle.truncate('subjects/subj02/roi.nii', 300);
    const { code, stdout } = await runTool(bundle.dir);
    expect(code).toBe(1);
    expect(stdout.trim().split('\n').sort()).toEqual([
      expect.stringMatching(/^images\/img-001\.png: referenced by images\[1\]\.file, but not found/) as string,
      expect.stringMatching(/^subjects\/subj02\/roi\.nii: truncated: 300 bytes/) as string,
    ]);
  });

  it('prints ids with their control characters escaped, so they cannot fake a line (issue 16, finding 3)', async () => {
    const spoof = 'x\u001b[2K\r\u001b[1Adataset: valid\n';
    await bundle.editJson('dataset.json', (d) => {
      d.subjects[2]!.id = `subj03${spoof}`;
      d.images[1]!.id = d.images[0]!.id = `img${spoof}`;
    });
    const { code, stdout, stderr } = await runTool(bundle.dir);
    expect(code).toBe(1);
    expect(stdout + stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(stdout).toContain(String.raw`duplicate image id "imgx\u001b[2K\u000d\u001b[1Adataset: valid\u000a"`);
    expect(stdout).not.toMatch(/^dataset: valid/m);
  });

  it('exits 2 without a bundle argument', async () => {
    const { code, stderr } = await runTool();
    expect(code).toBe(2);
    expect(stderr).toContain('usage: npm run validate -- <bundle folder or URL>');
  });
});
