// npm run eval -- --models <bundle> --dataset <bundle> [--subject s] [--json] [--figure out.png]
//                 [--figure-count N] [--limit N] [--seed N] [--batch N]
//                 [--prior-steps N] [--decoder-steps N] [--cfg S] [--img2img S|off] [--blend S]
// Evaluates a model bundle on a subject's test images, as MindEye2's Table 1, on onnxruntime-node
// (CPU). Exits 0, 1 for bad input or a failed evaluation (with a message, no stack trace), 2 for usage.
import { parseArgs } from 'node:util';
import { errorText, FetchBundleSource, type BundleSource } from '../data/bundleSource';
import { datasetSchema, type DatasetJson } from '../data/datasetSchema';
import { fetchModelBundleSource } from '../data/modelBundleSource';
import { loadTestSet, subjectsWithTestData } from '../data/testSet';
import { validateModelBundle } from '../data/validateModel';
import { problemLines, readJsonFile, type Problem } from '../data/validation';
import { MindEyeModel, ModelLoadError } from '../inference/model';
import { defaultSettings, checkSettings } from '../inference/pipeline';
import { imageToTensor } from '../inference/preprocess';
import { SAMPLER_BOUNDS } from '../inference/samplerLimits';
import { evaluate, tableRows } from '../evaluation/evaluate';
import { buildReferenceNet, REFERENCE_NET, ReferenceFeatures } from '../evaluation/referenceNet';
import { writeFigure } from '../node/figure';
import { FsBundleSource } from '../node/fsBundleSource';
import { fsModelBundleSource } from '../node/fsModelBundleSource';
import { readReferenceNetFiles } from '../node/referenceNet';
import { createOrtNodeEngine } from '../node/ortEngine';
import { decodeRgbWithSharp } from '../node/sharpRgb';
import { cliMain } from './cliMain';
import { formatTable, formatTimings } from './evalReport';
import { printable, printableLines } from './printable';

const USAGE = `usage: npm run eval -- --models <model bundle> --dataset <dataset bundle> [--subject s] [--json]
         [--figure out.png] [--figure-count N] [--limit N] [--seed N] [--batch N]
         [--prior-steps N] [--decoder-steps N] [--cfg S] [--img2img S|off] [--blend S]
(npm run -s eval -- ... --json prints the JSON alone, without npm's banner)`;

/** Bad input, said in one message; printed without a stack trace. */
class InputError extends Error {}

/** A wrong command line: exit 2 with the usage. */
class UsageError extends Error {}

const isUrl = (location: string) => /^https?:\/\//i.test(location);

function parse(args: string[]) {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      models: { type: 'string' },
      dataset: { type: 'string' },
      subject: { type: 'string' },
      json: { type: 'boolean', default: false },
      figure: { type: 'string' },
      'figure-count': { type: 'string', default: '8' },
      limit: { type: 'string' },
      seed: { type: 'string', default: '0' },
      batch: { type: 'string', default: '8' },
      'prior-steps': { type: 'string' },
      'decoder-steps': { type: 'string' },
      cfg: { type: 'string' },
      img2img: { type: 'string' },
      blend: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const integer = (name: string, text: string | undefined, min: number) => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min)
      throw new UsageError(`--${name} must be an integer >= ${min}, not "${text}"`);
    return value;
  };
  const cfg = values.cfg === undefined ? undefined : Number(values.cfg);
  if (cfg !== undefined && !Number.isFinite(cfg)) throw new UsageError(`--cfg must be a number, not "${values.cfg}"`);
  const img2img = values.img2img === undefined ? undefined : values.img2img === 'off' ? null : Number(values.img2img);
  if (typeof img2img === 'number' && !Number.isFinite(img2img))
    throw new UsageError(`--img2img must be a strength or "off", not "${values.img2img}"`);
  const blend = values.blend === undefined ? undefined : Number(values.blend);
  if (blend !== undefined && !Number.isFinite(blend))
    throw new UsageError(`--blend must be the low-level image's share (0 to below 1), not "${values.blend}"`);
  if (!values.help && (!values.models || !values.dataset)) throw new UsageError('--models and --dataset are required');
  return {
    help: values.help,
    models: values.models ?? '',
    dataset: values.dataset ?? '',
    subject: values.subject,
    json: values.json,
    figure: values.figure,
    figureCount: integer('figure-count', values['figure-count'], 1)!,
    limit: integer('limit', values.limit, 2),
    seed: integer('seed', values.seed, SAMPLER_BOUNDS.seed.min)!,
    batch: integer('batch', values.batch, 1)!,
    // The bundle's maxima are checked once it is read (checkSettings).
    priorSteps: integer('prior-steps', values['prior-steps'], SAMPLER_BOUNDS.priorSteps.min),
    decoderSteps: integer('decoder-steps', values['decoder-steps'], SAMPLER_BOUNDS.decoderSteps.min),
    cfg,
    img2img,
    blend,
  };
}

const indentedProblems = (problems: readonly Problem[]) =>
  problemLines(problems, printable)
    .map((line) => `  ${line}`)
    .join('\n');
/** Ids and names from the bundles, one line each however they are written. */
const ids = (values: readonly string[]) => values.map(printable).join(', ');

async function readDataset(source: BundleSource): Promise<DatasetJson> {
  const problems: Problem[] = [];
  const dataset = await readJsonFile(source, 'dataset.json', '', datasetSchema, problems);
  if (!dataset)
    throw new InputError(`dataset ${printable(source.name)} cannot be used:\n${indentedProblems(problems)}`);
  return dataset;
}

function chooseSubject(
  requested: string | undefined,
  modelSubjects: string[],
  dataset: DatasetJson,
  modelId: string,
): string {
  const withData = subjectsWithTestData(dataset);
  if (requested !== undefined) {
    if (!modelSubjects.includes(requested)) {
      throw new InputError(
        `model ${printable(modelId)} has no subject ${printable(requested)} (it has ${ids(modelSubjects)})`,
      );
    }
    if (!withData.includes(requested)) {
      throw new InputError(
        `dataset ${printable(dataset.id)} has no test betas for ${printable(requested)} (it has them for ${ids(withData) || 'no subject'})`,
      );
    }
    return requested;
  }
  const subject = modelSubjects.find((s) => withData.includes(s));
  if (!subject) {
    throw new InputError(
      `model ${printable(modelId)} (subjects ${ids(modelSubjects)}) shares no subject with test betas in dataset ${printable(dataset.id)} (${ids(withData) || 'none'})`,
    );
  }
  return subject;
}

async function main(options: ReturnType<typeof parse>): Promise<number> {
  // Everything printed goes through printableLines; ids and names are escaped where they are
  // interpolated (printable), so a newline in one cannot start a line of its own either.
  const log = (message: string) => console.error(printableLines(message));
  const print = (text: string) => console.log(printableLines(text));
  const wallStart = performance.now();

  const datasetSource = isUrl(options.dataset)
    ? new FetchBundleSource(options.dataset)
    : new FsBundleSource(options.dataset);
  const modelSource = isUrl(options.models)
    ? fetchModelBundleSource(options.models)
    : fsModelBundleSource(options.models);
  const dataset = await readDataset(datasetSource);
  const validation = await validateModelBundle(modelSource, dataset);
  if (!validation.model || validation.problems.length > 0) {
    throw new InputError(
      `model bundle ${printable(modelSource.name)} cannot be used with dataset ${printable(dataset.id)}:\n${indentedProblems(validation.problems)}`,
    );
  }
  const modelJson = validation.model;
  const subject = chooseSubject(options.subject, Object.keys(modelJson.subjects), dataset, modelJson.id);

  let start = performance.now();
  const engine = createOrtNodeEngine();
  const model = await MindEyeModel.load(modelSource, engine, { subjects: [subject] });
  const loadMs = performance.now() - start;
  let reference: ReferenceFeatures | null = null;
  try {
    // The reference network is converted from the installed package's weights on every run (~0.3 s).
    start = performance.now();
    const files = readReferenceNetFiles();
    const built = buildReferenceNet(files);
    reference = await ReferenceFeatures.load(engine, built.onnx);
    const referenceMs = performance.now() - start;
    const referenceSource = `${files.source}, ${built.parameters.toLocaleString('en-US')} parameters up to ${REFERENCE_NET.layer}`;
    const defaults = defaultSettings(model.json);
    const settings = {
      priorSteps: options.priorSteps ?? defaults.priorSteps,
      decoderSteps: options.decoderSteps ?? defaults.decoderSteps,
      cfgScale: options.cfg ?? defaults.cfgScale,
      img2imgStrength: options.img2img === undefined ? defaults.img2imgStrength : options.img2img,
      blurryBlend: options.blend ?? defaults.blurryBlend,
    };
    try {
      checkSettings(model, settings);
    } catch (error) {
      throw new InputError(errorText(error));
    }

    start = performance.now();
    const testSet = await loadTestSet(datasetSource, dataset, subject, { limit: options.limit });
    const S = modelJson.dims.S;
    const samples = await Promise.all(
      testSet.map(async (sample) => {
        let rgb;
        try {
          rgb = await decodeRgbWithSharp(await datasetSource.read(sample.image.file));
        } catch (error) {
          throw new InputError(`${sample.image.file}: ${errorText(error)}`);
        }
        return { voxels: sample.voxels, image: imageToTensor(rgb, S) };
      }),
    );
    const dataMs = performance.now() - start;
    const averaged = testSet.map((s) => s.trials);
    log(
      `${printable(modelJson.id)} on ${printable(dataset.id)} ${printable(subject)}: ${samples.length} test images (betas averaged over ${Math.min(...averaged)}-${Math.max(...averaged)} trials), ` +
        `prior ${settings.priorSteps} steps, decoder ${settings.decoderSteps} steps, CFG ${settings.cfgScale}, ` +
        `img2img ${settings.img2imgStrength ?? 'off'}, low-level blend ${settings.blurryBlend}`,
    );

    start = performance.now();
    const result = await evaluate(model, subject, samples, {
      settings,
      seed: options.seed,
      batchSize: options.batch,
      onProgress: (done, total) => log(`  ${done}/${total} reconstructed`),
      reference,
    });
    const evalMs = performance.now() - start;
    const rows = tableRows(result.rows, modelJson, subject);
    const extraRows = rows.slice(result.rows.length);

    if (options.figure) {
      const count = Math.min(options.figureCount, result.samples);
      const columns = [
        { title: 'seen', images: result.images.seen },
        { title: 'reconstruction', images: result.images.reconstruction },
        ...(result.images.blurry ? [{ title: 'low-level (blurry)', images: result.images.blurry }] : []),
        { title: 'ceiling', images: result.images.ceiling },
      ];
      const note = [
        dataset.synthetic ? 'Simulated data: no human brain recordings.' : `Dataset ${dataset.id}.`,
        `${modelJson.id}, ${subject}, first ${count} test images, seed ${options.seed}. Ceiling: the decoder on the true image's tokens, from noise.`,
      ];
      await writeFigure(options.figure, columns, S, count, note);
      log(`wrote ${options.figure} (${count} rows)`);
    }

    const wallMs = performance.now() - wallStart;
    const notes = [
      dataset.synthetic
        ? `The fMRI data are simulated (dataset ${printable(dataset.id)} is synthetic): these scores describe simulated responses, not people.`
        : `Dataset ${printable(dataset.id)}.`,
      `two-way (own encoder): on the bundle's own image encoder embedding (the brain model was trained to hit it: circular).`,
      `two-way (${REFERENCE_NET.title}): on features of a network this project did not train: Keras' ImageNet MobileNetV2, ${REFERENCE_NET.layer} output (14x14x96, flattened), images resized from ${S} to ${REFERENCE_NET.inputSize} px; weights from ${referenceSource}. Both: Pearson correlation, MindEye2's definition; chance 50%.`,
      `Retrieval: top-1 among ${result.retrievalPool} test samples (MindEye2: 300), ${result.retrievalPool < result.samples ? '30 seeded draws' : 'all of them'}; chance ${(100 / result.retrievalPool).toFixed(1)}%.`,
      `PixCorr and SSIM at ${S}x${S} px (MindEye2: 425x425); SSIM as scikit-image's (grayscale, Gaussian sigma 1.5).`,
    ];
    if (extraRows.length > 0)
      notes.push(`Rows after "ceiling" come from model.json scores.${printable(subject)}.extraRows.`);

    if (options.json) {
      print(
        JSON.stringify(
          {
            model: modelJson.id,
            dataset: dataset.id,
            synthetic: dataset.synthetic,
            subject,
            samples: result.samples,
            settings,
            seed: options.seed,
            retrievalPool: result.retrievalPool,
            rows,
            referenceNetwork: {
              name: REFERENCE_NET.title,
              source: files.source,
              layer: REFERENCE_NET.layer,
              inputSize: REFERENCE_NET.inputSize,
              parameters: built.parameters,
            },
            timingsMs: {
              load: loadMs,
              referenceNetwork: referenceMs,
              data: dataMs,
              evaluate: evalMs,
              wall: wallMs,
              stages: result.timings,
            },
            notes,
          },
          null,
          1,
        ),
      );
    } else {
      print(
        `${printable(modelJson.name)} (${printable(modelJson.id)}), ${printable(dataset.id)} ${printable(subject)}, ${result.samples} test images\n`,
      );
      print(formatTable(rows.map((row) => ({ ...row, name: printable(row.name) }))));
      print(`\n${notes.join('\n')}\n`);
      print(
        `engine onnxruntime-node (CPU), batch ${options.batch}; load ${loadMs.toFixed(0)} ms, reference network ${referenceMs.toFixed(0)} ms, data ${dataMs.toFixed(0)} ms, evaluation ${evalMs.toFixed(0)} ms, wall ${wallMs.toFixed(0)} ms`,
      );
      print(formatTimings(result.timings, result.samples));
    }
    return 0;
  } finally {
    await reference?.dispose();
    await model.dispose();
  }
}

// Bad input and failed runs end in a message, not a stack trace.
await cliMain(USAGE, parse, main, (error) =>
  error instanceof ModelLoadError
    ? `the model cannot be loaded:\n${error.problems.map((p) => `  ${printable(p)}`).join('\n')}`
    : errorText(error),
);
