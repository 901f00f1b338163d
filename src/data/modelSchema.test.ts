import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TinyModel } from '../../test/tinyModel';
import { isModelPath, modelSchema, type ModelJson } from './modelSchema';

describe('isModelPath', () => {
  it.each(['backbone.onnx', 'sub/x.onnx', '../mini-image/decoder.onnx'])('accepts %s', (path) => {
    expect(isModelPath(path)).toBe(true);
  });
  it.each([
    '../../x.onnx',
    '../',
    '..',
    '/abs.onnx',
    'a/../b.onnx',
    'https://example.com/x.onnx',
    './x.onnx',
    '..\\x.onnx',
  ])('rejects %j', (path) => expect(isModelPath(path)).toBe(false));
});

describe('modelSchema', () => {
  let tiny: TinyModel;
  let json: ModelJson;
  beforeAll(async () => {
    tiny = await TinyModel.create();
    json = JSON.parse(await readFile(join(tiny.brainDir, 'model.json'), 'utf8')) as ModelJson;
  });
  afterAll(() => tiny.dispose());

  const issues = (value: unknown) =>
    modelSchema.safeParse(value).error?.issues.map((i) => [i.path.join('.'), i.message]) ?? [];

  it('accepts the tiny model', () => {
    expect(issues(json)).toEqual([]);
  });

  it('rejects unknown keys and other formats', () => {
    expect(issues({ ...json, dim: json.dims })).toEqual([['', expect.stringContaining('"dim"')]]);
    expect(issues({ ...json, format: 'mindeye-web/models@2' })[0]![0]).toBe('format');
  });

  it('holds the schedules together: length, order, steps, guidance', () => {
    const decoder = { ...json.decoder, alphasCumprod: json.decoder.alphasCumprod.slice(1), cfgScale: 9, steps: 11 };
    const prior = { ...json.prior, alphasCumprod: [...json.prior.alphasCumprod].reverse() };
    expect(issues({ ...json, decoder, prior })).toEqual([
      ['prior.alphasCumprod', 'must decrease with the timestep'],
      ['decoder.alphasCumprod', 'has 19 values, but trainSteps is 20'],
      ['decoder.steps', '11 is more than maxSteps (10)'],
      ['decoder.cfgScale', '9 is more than maxCfgScale (5)'],
    ]);
  });

  it('keeps file paths in the bundle or a sibling', () => {
    const files = { ...json.files, backbone: '../../etc/backbone.onnx', prior: 'prior.bin' };
    expect(issues({ ...json, files }).map(([path]) => path)).toEqual(['files.backbone', 'files.prior']);
  });

  it('takes extra evaluation rows with the CLI column names, and nothing else in them', () => {
    const good = { subj01: { pixCorr: 0.1, extraRows: [{ name: 'ridge', pixCorr: 0.2, imageRetrieval: 0.05 }] } };
    expect(issues({ ...json, scores: good })).toEqual([]);
    const bad = { subj01: { extraRows: [{ name: 'ridge', pixcorr: 0.2 }] } };
    expect(issues({ ...json, scores: bad })[0]![0]).toBe('scores.subj01.extraRows.0');
  });
});
