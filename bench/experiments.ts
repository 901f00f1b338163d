// What each experiment of the viewer does to the seen image's rank, measured with the app's own code
// (the transforms and run inputs of src/state/experimentInputs.ts, the worker's InferenceService) on
// onnxruntime-node: the shipped demo, the model's default sampler, seed 0, one sample, as the page
// decodes. Node only:
//   npx tsx bench/experiments.ts [--subject subj01] [--images 20] [--json]
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseExperiment, type Experiment } from '../src/brain/experiments';
import { datasetSchema } from '../src/data/datasetSchema';
import { TrialVoxels } from '../src/data/trialVoxels';
import { defaultSettings } from '../src/inference/pipeline';
import { FsBundleSource } from '../src/node/fsBundleSource';
import { fsModelBundleSource } from '../src/node/fsModelBundleSource';
import { createOrtNodeEngine } from '../src/node/ortEngine';
import { decodeRgbWithSharp } from '../src/node/sharpRgb';
import { adapterSubject, ExperimentInputs, runVoxels } from '../src/state/experimentInputs';
import type { RunKey } from '../src/state/pipelineStore';
import { InferenceService, testImageIndices } from '../src/worker/service';

const PUBLIC = fileURLToPath(new URL('../public/', import.meta.url));
const DATASET = join(PUBLIC, 'datasets/synthetic-nsd');
/** Each subject's first model in the page's picker order, and the model of the other subject's adapter. */
const MODELS: Record<string, string> = {
  subj01: join(PUBLIC, 'models/mini-subj01-finetuned'),
  subj02: join(PUBLIC, 'models/mini-multisubject'),
  subj05: join(PUBLIC, 'models/mini-multisubject'),
  subj07: join(PUBLIC, 'models/mini-multisubject'),
};

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : process.argv[at + 1];
}

async function main(): Promise<void> {
  const subject = option('subject') ?? 'subj01';
  const count = Number(option('images') ?? 20);
  const other = subject === 'subj02' ? 'subj05' : 'subj02';
  const experiments: (Experiment | null)[] = [
    null,
    ...[
      'rois:1,2,3',
      'rois:4',
      'field:left',
      'field:right',
      'noise:0.5',
      'noise:1',
      'noise:2',
      ...(subject === 'subj01' ? ['repeats:1', 'repeats:2'] : []),
      'shuffle',
      `subject:${other}`,
    ].map((text) => parseExperiment(text)!),
  ];
  const source = new FsBundleSource(DATASET);
  const dataset = datasetSchema.parse(JSON.parse(new TextDecoder().decode(await source.read('dataset.json'))));
  const service = new InferenceService(createOrtNodeEngine(), {
    openDataset: (url) => new FsBundleSource(url),
    openModel: (url) => fsModelBundleSource(url),
    decodeImage: (bytes) => decodeRgbWithSharp(bytes),
  });
  const models = new Map<string, Awaited<ReturnType<InferenceService['loadModel']>>>();
  const load = async (url: string) => {
    if (!models.has(url)) models.set(url, await service.loadModel(url, DATASET));
    return models.get(url)!;
  };
  const trials = new TrialVoxels(source, dataset);
  const inputs = new ExperimentInputs(source, dataset);
  const images = testImageIndices(dataset)
    .filter((i) => (dataset.images[i]!.trials?.[subject]?.length ?? 0) > 0)
    .slice(0, count);
  const label = (e: Experiment | null) => (e ? JSON.stringify(e) : 'none');
  const ranks = new Map<string, number[]>(experiments.map((e) => [label(e), []]));
  let of = 0;
  for (const imageIndex of images) {
    const row: string[] = [dataset.images[imageIndex]!.id];
    for (const experiment of experiments) {
      const adapterModel = experiment?.kind === 'subject' ? MODELS[experiment.other]! : MODELS[subject]!;
      const key: RunKey = {
        modelUrl: adapterModel,
        subject,
        imageIndex,
        trial: 'average',
        seed: 0,
        samples: 1,
        ...(experiment ? { experiment } : {}),
      };
      const { json } = await load(key.modelUrl);
      const voxels = await runVoxels(key, trials, inputs);
      const result = await service.reconstruct({
        modelUrl: key.modelUrl,
        subject: adapterSubject(key),
        voxels,
        seeds: [0],
        settings: defaultSettings(json),
        preview: false,
      });
      const perImage = 3 * result.size * result.size;
      const image = result.images.slice(result.best * perImage, (result.best + 1) * perImage);
      const rank = await service.rankReconstruction(key.modelUrl, image, imageIndex, 1);
      of = rank.of;
      ranks.get(label(experiment))!.push(rank.rank);
      row.push(String(rank.rank));
    }
    console.error(row.join('\t'));
  }
  await service.dispose();
  const chance = Math.floor((of + 1) / 2);
  const summary = experiments.map((e) => {
    const all = ranks.get(label(e))!;
    const sorted = [...all].sort((a, b) => a - b);
    return {
      experiment: e ? label(e) : 'none (unchanged)',
      meanRank: Math.round((all.reduce((a, b) => a + b, 0) / all.length) * 10) / 10,
      medianRank: sorted[Math.floor(sorted.length / 2)]!,
      top10: all.filter((r) => r <= 10).length,
      ranks: all,
    };
  });
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ subject, images: images.map((i) => dataset.images[i]!.id), of, chance, summary }));
    return;
  }
  console.log(`${subject}, ${images.length} test images, rank of the seen image among ${of} (chance #${chance})`);
  console.log('experiment\tmean rank\tmedian\tin the top 10\tfirst image');
  for (const s of summary)
    console.log(`${s.experiment}\t${s.meanRank}\t${s.medianRank}\t${s.top10}/${s.ranks.length}\t#${s.ranks[0]}`);
}

await main();
