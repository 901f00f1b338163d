// tsx scripts/read-betas-row.ts <bundle folder> <row> [subject index]
// Reads betas rows the way the app does (zarrita over the bundle's files, the subject's voxel mask in
// its declared voxelOrder) and prints JSON: where the chosen row peaks in the volume (storage index
// and [i, j, k]), and the time to load the brain, read a row and paint it, over 200 rows spread over
// the array. models/tests/test_convert.py checks the converter's voxel order with it; at NSD's size
// it measures the app's side of a trial.
import { readFileSync } from 'node:fs';
import { loadSubjectBrain } from '../src/brain/subjectBrain';
import { vectorToVolume } from '../src/brain/voxelMask';
import { datasetSchema } from '../src/data/datasetSchema';
import { openRowReader } from '../src/data/zarrArray';
import { FsBundleSource } from '../src/node/fsBundleSource';

const [folder, rowArg, subjectArg = '0'] = process.argv.slice(2);
if (!folder || rowArg === undefined) {
  console.error('usage: tsx scripts/read-betas-row.ts <bundle folder> <row> [subject index]');
  process.exit(2);
}
const dataset = datasetSchema.parse(JSON.parse(readFileSync(`${folder}/dataset.json`, 'utf8')));
const subject = dataset.subjects[Number(subjectArg)];
if (!subject?.betas) throw new Error(`subject ${subjectArg} has no betas`);
const source = new FsBundleSource(folder);

let start = performance.now();
const brain = await loadSubjectBrain(source, subject);
const loadBrainMs = performance.now() - start;
const reader = await openRowReader(source, subject.betas.path, subject.betas.scale ?? 1);
const volume = vectorToVolume(await reader.read(Number(rowArg)), brain.mask);
let peak = 0;
for (let i = 1; i < volume.length; i++) if (volume[i]! > volume[peak]!) peak = i;
const [nx, ny] = brain.mask.dims;

const reads: number[] = [];
const paints: number[] = [];
const rows = reader.shape[0];
for (let n = 0; n < 200; n++) {
  const row = (n * 7919) % rows;
  start = performance.now();
  const values = await reader.read(row);
  reads.push(performance.now() - start);
  start = performance.now();
  vectorToVolume(values, brain.mask);
  paints.push(performance.now() - start);
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => Math.round(value * 100) / 100;
console.log(
  JSON.stringify({
    peak,
    peakVoxel: [peak % nx, Math.floor(peak / nx) % ny, Math.floor(peak / (nx * ny))],
    rows,
    voxels: brain.mask.indices.length,
    dtype: subject.betas.dtype,
    loadBrainMs: ms(loadBrainMs),
    readRowMedianMs: ms(median(reads)),
    readRowMaxMs: ms(Math.max(...reads)),
    paintMedianMs: ms(median(paints)),
    rssMB: Math.round(process.memoryUsage().rss / 1e6),
  }),
);
