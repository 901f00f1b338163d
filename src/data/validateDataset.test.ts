import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { niftiBytes, roiLabel, TinyBundle } from '../../test/tinyBundle';
import type { TrialsJson } from './datasetSchema';
import { FsBundleSource } from '../node/fsBundleSource';
import { decodeImageWithSharp } from '../node/sharpImageDecoder';
import { sha256Hex } from './gallery';
import { readImageHeader } from './imageHeader';
import { validateDataset, type ValidateOptions } from './validateDataset';
import type { Problem } from './validation';

let bundle: TinyBundle;
beforeEach(async () => {
  bundle = await TinyBundle.create();
});
afterEach(() => bundle.dispose());

function validate(options: Partial<ValidateOptions> = {}) {
  return validateDataset(new FsBundleSource(bundle.dir), { decodeImage: decodeImageWithSharp, ...options });
}

/** Exactly these problems (in any order): each its own message, no cascade of others. */
async function expectProblems(expected: [file: string, message: RegExp][], options: Partial<ValidateOptions> = {}) {
  const { problems } = await validate(options);
  const shown = problems.map((p) => `${p.file}: ${p.message}`).join('\n');
  expect(problems, shown).toHaveLength(expected.length);
  for (const [file, message] of expected) {
    expect(problems, shown).toContainEqual<Problem>({ file, message: expect.stringMatching(message) as string });
  }
}

const editTrials = (subject: string, edit: (trials: TrialsJson) => void) =>
  bundle.editJson<TrialsJson>(`subjects/${subject}/trials.json`, edit);

describe('a valid bundle', () => {
  it('has no problems and is summarised', async () => {
    const { problems, summary } = await validate();
    expect(problems).toEqual([]);
    expect(summary?.images).toEqual({ train: 2, test: 2 });
    expect(summary?.imageSizes).toEqual([{ width: 8, height: 6, count: 4 }]);
    expect(summary?.subjects.map((s) => [s.id, s.voxelCount, s.trials, s.betasRows])).toEqual([
      ['subj01', 30, { train: 2, test: 4 }, 'single-trial'],
      ['subj02', 40, { train: 0, test: 2 }, 'repeat-average'],
      ['subj03', 15, null, null],
    ]);
    expect(summary?.subjects[0]?.roiLabels).toEqual([
      { value: 1, name: 'V1', voxels: 15, inMask: true },
      { value: 2, name: 'V2', voxels: 15, inMask: true },
      { value: 3, name: 'ventral', voxels: 10, inMask: false },
    ]);
  });
});

describe('dataset.json', () => {
  it('names a missing dataset.json', async () => {
    await bundle.remove('dataset.json');
    await expectProblems([['dataset.json', /^not found/]]);
  });

  it('reports bad JSON', async () => {
    await bundle.write('dataset.json', '{"format": "mindeye-web/dataset@1",');
    await expectProblems([['dataset.json', /^not valid JSON/]]);
  });

  it('reports each schema issue with its JSON path', async () => {
    await bundle.editJson('dataset.json', (d) => {
      d.subjects[0]!.voxelCount = -3;
      (d.images[1] as { split: string }).split = 'validation';
    });
    await expectProblems([
      ['dataset.json', /^subjects\[0\]\.voxelCount: /],
      ['dataset.json', /^images\[1\]\.split: /],
    ]);
  });

  it('requires a scale for int betas', async () => {
    await bundle.editJson('dataset.json', (d) => delete d.subjects[0]!.betas!.scale);
    await expectProblems([['dataset.json', /^subjects\[0\]\.betas\.scale: required for int16 betas/]]);
  });

  it('keeps paths inside the bundle', async () => {
    await bundle.editJson('dataset.json', (d) => {
      d.subjects[0]!.anatomy = '../outside.nii';
      d.images[0]!.file = '/etc/passwd.png';
    });
    await expectProblems([
      ['dataset.json', /^subjects\[0\]\.anatomy: must be a relative path inside the bundle/],
      ['dataset.json', /^images\[0\]\.file: must be a relative path inside the bundle/],
    ]);
  });

  it('requires the categories used to be declared', async () => {
    await bundle.editJson('dataset.json', (d) => {
      d.images[0]!.categories = ['plant'];
      d.subjects[0]!.encoding!.columns[2] = 'cat:vehicle';
    });
    await expectProblems([
      ['dataset.json', /^images\[0\]\.categories\[0\]: category "plant" is not declared/],
      ['dataset.json', /^subjects\[0\]\.encoding\.columns\[2\]: category "vehicle" is not declared/],
    ]);
  });
});

describe('referenced files', () => {
  it('names each missing file and where it is referenced', async () => {
    await bundle.remove('images/img-001.png');
    await bundle.remove('subjects/subj01/trials.json');
    await bundle.remove('NOTICE-clipart.txt');
    await expectProblems([
      ['images/img-001.png', /^referenced by images\[1\]\.file, but not found/],
      ['subjects/subj01/trials.json', /^referenced by subjects\[0\]\.trials, but not found/],
      ['NOTICE-clipart.txt', /^referenced by attribution\[0\]\.notice, but not found/],
    ]);
  });

  it('names a missing betas chunk', async () => {
    await bundle.remove('subjects/subj01/betas.zarr/1.0');
    await expectProblems([['subjects/subj01/betas.zarr/1.0', /^not found/]]);
  });

  it('refuses an image whose header declares more pixels than the limit, before decoding it', async () => {
    // A 40-byte lossless WebP declaring 16383x16383 pixels (1 GB of RGBA).
    const webp = new Uint8Array(40);
    const view = new DataView(webp.buffer);
    webp.set(new TextEncoder().encode('RIFF'), 0);
    view.setUint32(4, 32, true);
    webp.set(new TextEncoder().encode('WEBPVP8L'), 8);
    view.setUint32(16, 20, true);
    webp[20] = 0x2f;
    view.setUint32(21, 16382 | (16382 << 14), true);
    await bundle.write('images/img-003.webp', webp);
    const message =
      /^declares 16383x16383 pixels, more than the limit of 16,777,216 pixels \(LIMITS\.imagePixels, src\/data\/limits\.ts\)$/;
    await expectProblems([['images/img-003.webp', message]]);
    await expectProblems([['images/img-003.webp', message]], { decodeImage: readImageHeader });
  });

  it('reports an image that does not decode', async () => {
    await bundle.write('images/img-002.png', 'not a png');
    await expectProblems([['images/img-002.png', /^does not decode as an image \(images\[2\]\)/]]);
  });
});

describe('NIfTI volumes', () => {
  it('reports a truncated .nii', async () => {
    await bundle.truncate('subjects/subj01/anatomy.nii', 600);
    await expectProblems([['subjects/subj01/anatomy.nii', /^truncated: 6x5x4 float32 voxels need 480 bytes/]]);
  });

  it('reports a truncated .nii.gz', async () => {
    await bundle.truncate('subjects/subj01/roi.nii.gz', 60);
    await expectProblems([['subjects/subj01/roi.nii.gz', /^corrupt or truncated gzip data/]]);
  });

  it('refuses a file over the NIfTI size limit without reading it (LIMITS.niftiBytes)', async () => {
    await bundle.truncate('subjects/subj01/anatomy.nii', 300 * 2 ** 20); // sparse: no disk is written
    await expectProblems([
      [
        'subjects/subj01/anatomy.nii',
        /^referenced by subjects\[0\]\.anatomy, but is 314,572,800 bytes, more than the limit of 268,435,456 bytes \(LIMITS\.niftiBytes, src\/data\/limits\.ts\)$/,
      ],
    ]);
  });

  it('reports an ROI on another grid than the anatomy (dims or affine)', async () => {
    await bundle.write('subjects/subj02/roi.nii', niftiBytes({ datatype: 'int16', value: roiLabel, dims: [6, 5, 5] }));
    const shifted = niftiBytes({ datatype: 'uint8', value: roiLabel, origin: [-5, -4, -1] });
    await bundle.write('subjects/subj01/roi.nii.gz', gzipSync(shifted));
    await expectProblems([
      ['subjects/subj02/roi.nii', /^not on the grid of subjects\/subj02\/anatomy\.nii\.gz: dims 6x5x5 vs 6x5x4/],
      [
        'subjects/subj01/roi.nii.gz',
        /^not on the grid of subjects\/subj01\/anatomy\.nii: .*\[0 0 2 -1\] vs .*\[0 0 2 -3\]/,
      ],
    ]);
  });

  it('checks the mask voxel count against voxelCount and the betas width', async () => {
    await bundle.editJson('dataset.json', (d) => (d.subjects[0]!.voxelCount = 31));
    await expectProblems([
      ['subjects/subj01/roi.nii.gz', /^the mask \(labels 1, 2\) holds 30 voxels, but subjects\[0\]\.voxelCount is 31/],
      ['subjects/subj01/betas.zarr/.zarray', /^has 30 columns, but subjects\[0\]\.voxelCount says 31/],
      ['subjects/subj01/encoding.zarr/.zarray', /^has 30 rows, but subjects\[0\]\.voxelCount says 31/],
    ]);
  });

  it('reports ROI labels that roiLabels does not name', async () => {
    await bundle.write(
      'subjects/subj03/roi.nii',
      niftiBytes({ datatype: 'uint8', value: (x, y, z) => (x === 5 ? 7 : roiLabel(x, y, z)) }),
    );
    await expectProblems([
      // Label 7 also replaced label-2 voxels, which are not in subj03's mask: the count still holds.
      ['subjects/subj03/roi.nii', /^holds labels 7, which subjects\[2\]\.roiLabels does not name/],
    ]);
  });
});

describe('betas and encoding arrays', () => {
  it('reports betas of the wrong width', async () => {
    await bundle.remove('subjects/subj01/betas.zarr');
    await bundle.writeZarr('subjects/subj01/betas.zarr', {
      shape: [6, 31],
      chunkRows: 4,
      dtype: 'int16',
      compressor: 'zlib',
      value: () => 1,
    });
    await expectProblems([
      ['subjects/subj01/betas.zarr/.zarray', /^has 31 columns, but subjects\[0\]\.voxelCount says 30/],
    ]);
  });

  it('reports a dtype that differs from .zarray', async () => {
    await bundle.editJson('dataset.json', (d) => (d.subjects[0]!.betas!.dtype = 'float32'));
    await expectProblems([
      [
        'subjects/subj01/betas.zarr/.zarray',
        /^dtype "<i2" \(int16\) does not match float32, as subjects\[0\]\.betas\.dtype says/,
      ],
    ]);
  });

  it('reports an encoding array of the wrong shape', async () => {
    await bundle.editJson('dataset.json', (d) => d.subjects[0]!.encoding!.columns.push('ncsnr'));
    await expectProblems([
      ['subjects/subj01/encoding.zarr/.zarray', /^has 3 columns, but subjects\[0\]\.encoding\.columns says 4/],
    ]);
  });

  it('reports a chunk that does not decompress, naming it', async () => {
    await bundle.truncate('subjects/subj01/betas.zarr/0.0', 10);
    await expectProblems([['subjects/subj01/betas.zarr/0.0', /^could not be decoded \(corrupt\?\)/]]);
  });
});

describe('Zarr metadata, checked in full (issue 16, finding 1)', () => {
  const editZarray = (edit: (zarray: Record<string, unknown>) => void) =>
    bundle.editJson<Record<string, unknown>>('subjects/subj01/betas.zarr/.zarray', edit);

  it('refuses a dimension_separator that would lead chunk keys out of the array folder', async () => {
    await editZarray((z) => (z.dimension_separator = '%2F..%2F..%2F..%2Fsubj02%2Fbetas.zarr%2F1.'));
    await expectProblems([
      ['subjects/subj01/betas.zarr/.zarray', /^dimension_separator ".*" is neither "\." nor "\/"/],
    ]);
  });

  it('reads chunks named with "/" when dimension_separator says so', async () => {
    await editZarray((z) => (z.dimension_separator = '/'));
    await expectProblems([
      ['subjects/subj01/betas.zarr/0/0', /^not found/],
      ['subjects/subj01/betas.zarr/1/0', /^not found/],
    ]);
  });

  it.each([
    ['fill_value', 'zero', /^fill_value "zero" is not a value of dtype "<i2"/],
    ['fill_value', 0.5, /^fill_value 0\.5 is not a value of dtype "<i2"/],
    ['compressor', 'zlib', /^compressor "zlib" is neither null nor \{"id": \.\.\.\}/],
    ['compressor', { id: 'blosc' }, /^compressor "blosc" is not one of zlib, gzip or none/],
    ['filters', [{ id: 'delta' }], /^filters are not supported/],
    ['order', 'X', /^order "X" is neither "C" nor "F"/],
    ['zarr_format', 3, /^zarr_format is 3, expected 2/],
    ['attributes', {}, /^has keys Zarr v2 does not define: attributes/],
  ])('refuses %s = %j', async (key, value, message) => {
    await editZarray((z) => (z[key] = value));
    await expectProblems([['subjects/subj01/betas.zarr/.zarray', message]]);
  });
});

describe('betas content, every chunk (issue 16, finding 8)', () => {
  /** subj01's betas as float32 in 3 chunks of 2 rows, `value` giving each (row, column). */
  async function writeFloatBetas(value: (row: number, column: number) => number, compressor: 'zlib' | null = 'zlib') {
    await bundle.editJson('dataset.json', (d) => {
      d.subjects[0]!.betas = { ...d.subjects[0]!.betas!, dtype: 'float32' };
      delete d.subjects[0]!.betas.scale;
    });
    await bundle.remove('subjects/subj01/betas.zarr');
    await bundle.writeZarr('subjects/subj01/betas.zarr', {
      shape: [6, 30],
      chunkRows: 2,
      dtype: 'float32',
      compressor,
      value,
    });
  }

  it('reads every chunk, with progress, and names a missing middle chunk', async () => {
    await writeFloatBetas((r, c) => r + c);
    await bundle.remove('subjects/subj01/betas.zarr/1.0');
    // At load (the app) only the first and last rows' chunks are read.
    await expectProblems([]);
    const progress: string[] = [];
    await expectProblems([['subjects/subj01/betas.zarr/1.0', /^not found/]], {
      chunks: 'every',
      onProgress: ({ file, done, total }) => progress.push(`${file} ${done}/${total}`),
    });
    expect(progress.filter((p) => p.startsWith('subjects/subj01/betas.zarr '))).toEqual([
      'subjects/subj01/betas.zarr 1/3',
      'subjects/subj01/betas.zarr 2/3',
      'subjects/subj01/betas.zarr 3/3',
    ]);
  });

  it('reports a short chunk instead of reading zeros', async () => {
    await writeFloatBetas((r, c) => r + c + 1, null);
    await bundle.truncate('subjects/subj01/betas.zarr/1.0', 4 * 30);
    await expectProblems([['subjects/subj01/betas.zarr/1.0', /^holds 30 values, but a chunk of \[2, 30\] holds 60/]], {
      chunks: 'every',
    });
  });

  it('reports the rows that hold NaN or infinite values', async () => {
    await writeFloatBetas((r, c) => (r === 2 && c === 3 ? NaN : r === 3 && c === 0 ? Infinity : r + c));
    await expectProblems(
      [
        [
          'subjects/subj01/betas.zarr',
          /^2 rows hold values that are not finite numbers: row 2 \(NaN at column 3\), row 3 \(Infinity at column 0\)$/,
        ],
      ],
      { chunks: 'every' },
    );
  });
});

describe('trials', () => {
  it('reports columns whose length is not the betas rows', async () => {
    await editTrials('subj01', (t) => t.session.pop());
    await expectProblems([
      ['subjects/subj01/trials.json', /^session has 5 entries, but subjects\/subj01\/betas\.zarr has 6 rows/],
    ]);
  });

  it('takes behavioural columns of a number (or null) per row, and reports one of another length', async () => {
    await editTrials('subj01', (t) => (t.behaviour = { rt: [812, null, 640.5, 700, 1, 2] }));
    await expectProblems([]);
    await editTrials('subj01', (t) => (t.behaviour = { rt: [812, null, 640.5, 700, 1, 2], run: [1, 1, 2] }));
    await expectProblems([
      ['subjects/subj01/trials.json', /^behaviour\.run has 3 entries, but subjects\/subj01\/betas\.zarr has 6 rows/],
    ]);
    await editTrials('subj01', (t) => (t.behaviour = { rt: ['fast', 1, 2, 3, 4, 5] as unknown as number[] }));
    await expectProblems([['subjects/subj01/trials.json', /behaviour\.rt\[0\]/]]);
  });

  it('reports image indices out of range', async () => {
    await editTrials('subj01', (t) => (t.image[1] = 9));
    await expectProblems([['subjects/subj01/trials.json', /^image: 1 entries outside images\[0\.\.3\]: row 1 = 9/]]);
  });

  it("reports rows whose split is not their image's", async () => {
    await editTrials('subj01', (t) => (t.split[0] = 'test'));
    await expectProblems([
      [
        'subjects/subj01/trials.json',
        /^split: 1 rows disagree with their image: row 0 is test but images\[0\] \("img-000"\) is train/,
      ],
      [
        'dataset.json',
        /^images\[\]\.trials\.subj01: 1 test rows of subjects\/subj01\/trials\.json are not listed by their image: row 0/,
      ],
    ]);
  });

  it('reports repeat-average rows without averageOf', async () => {
    await editTrials('subj02', (t) => delete t.averageOf);
    await expectProblems([['subjects/subj02/trials.json', /^averageOf is required for repeat-average rows/]]);
  });

  it('reports test image trials that point at another image', async () => {
    await bundle.editJson('dataset.json', (d) => (d.images[2]!.trials!.subj01 = [3, 4]));
    await expectProblems([
      [
        'dataset.json',
        /^images\[\]\.trials\.subj01: 1 rows do not show the image that lists them .*images\[2\] \("img-002"\) lists row 3, which shows images\[3\] \("img-003"\)/,
      ],
      ['dataset.json', /^images\[\]\.trials\.subj01: 1 test rows .* are not listed by their image: row 2/],
    ]);
  });
});

describe('robustness', () => {
  it('collects every problem of a bundle broken in many ways', async () => {
    await bundle.truncate('subjects/subj01/anatomy.nii', 100);
    await bundle.remove('images/img-003.webp');
    await editTrials('subj01', (t) => (t.image[0] = -1));
    await bundle.write('subjects/subj02/trials.json', '[');
    await expectProblems([
      ['subjects/subj01/anatomy.nii', /^truncated: 100 bytes/],
      ['images/img-003.webp', /not found/],
      ['subjects/subj01/trials.json', /^image: 1 entries outside/],
      ['subjects/subj02/trials.json', /^not valid JSON/],
    ]);
  });

  it('never throws, even on JSON of another shape', async () => {
    await bundle.write('dataset.json', 'null');
    const result = await validate();
    expect(result.summary).toBeNull();
    expect(result.problems).toEqual([
      { file: 'dataset.json', message: expect.stringMatching(/expected object/) as string },
    ]);
  });
});

describe('ids looked up by own key only (issue 16, finding 4)', () => {
  it('validates a subject named "constructor" like any other', async () => {
    await bundle.editJson('dataset.json', (d) => {
      d.subjects[1]!.id = 'constructor';
      for (const image of d.images) {
        if (image.trials?.subj02) image.trials = { subj01: image.trials.subj01!, constructor: image.trials.subj02 };
      }
      // Train images may list their rows too: there, "constructor" used to find Object.prototype's.
      d.images[0]!.trials = { subj01: [0] };
      d.images[1]!.trials = { subj01: [1] };
    });
    const { problems, summary } = await validate();
    expect(problems).toEqual([]);
    expect(summary?.subjects[1]).toMatchObject({ id: 'constructor', trials: { train: 0, test: 2 } });
  });

  it('refuses a "__proto__" key, which would vanish from the parsed record', async () => {
    const text = JSON.stringify(JSON.parse(await readFile(bundle.path('dataset.json'), 'utf8')));
    await bundle.write(
      'dataset.json',
      text.replace('"trials":{"subj01":[2,4]', '"trials":{"__proto__":[1],"subj01":[2,4]'),
    );
    await expectProblems([
      ['dataset.json', /^has a key "__proto__", which JavaScript reads as an object's prototype$/],
    ]);
  });
});

describe('retrieval galleries', () => {
  const E = 4;
  /** A gallery over the tiny bundle's test images, by their true digests. */
  async function addGallery(embeddings: Uint8Array = new Uint8Array(2 * E * 4)) {
    const dataset = JSON.parse(await readFile(bundle.path('dataset.json'), 'utf8')) as {
      images: { file: string; split: string }[];
    };
    const tests = dataset.images.filter((image) => image.split === 'test');
    const imageSha256 = await Promise.all(
      tests.map(async (image) => sha256Hex(await readFile(bundle.path(image.file)))),
    );
    await bundle.write('galleries/g.f32', embeddings);
    await bundle.editJson('dataset.json', (d) => {
      d.galleries = [{ encoderSha256: 'a'.repeat(64), size: 8, dim: E, embeddings: 'galleries/g.f32', imageSha256 }];
    });
    return tests;
  }

  it('accepts a gallery whose digests match the test images', async () => {
    await addGallery();
    await expectProblems([]);
  });

  it('names the test images that changed since the gallery was computed', async () => {
    const [first] = await addGallery();
    await bundle.write(first!.file, await readFile(bundle.path('images/img-003.webp')));
    await expectProblems([
      ['dataset.json', new RegExp(`^galleries\\[0\\] was computed on other images than ${first!.file}`)],
    ]);
  });

  it('refuses an embeddings file of the wrong length', async () => {
    await addGallery(new Uint8Array(2 * E * 4 - 4));
    await expectProblems([['galleries/g.f32', /^28 bytes, not 2 x 4 float32 values \(32 bytes\)/]]);
  });

  it('refuses a gallery that does not list every test image', async () => {
    await addGallery();
    await bundle.editJson('dataset.json', (d) => d.galleries![0]!.imageSha256.pop());
    await expectProblems([['dataset.json', /^galleries\[0\]\.imageSha256: lists 1 images, not the 2 test images/]]);
  });
});
