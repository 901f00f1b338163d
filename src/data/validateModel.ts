// The model bundle validator: model.json against the schema, every file it names present, and (given a
// dataset) every model subject present in the dataset with the same V_s and voxel order. It reports
// problems the way the dataset validator does (`<file>: <message>`) and never throws on bad input.
// Each ONNX file is held to what onnxFile.ts allows (no external data, no custom operator domains,
// the size limit); its inputs and outputs are checked where it is loaded, by MindEyeModel.load.
import { errorText, type BundleSource } from './bundleSource';
import type { DatasetJson } from './datasetSchema';
import { modelSchema, type ModelJson } from './modelSchema';
import { onnxProblems } from './onnxFile';
import { readBundleFile, readJsonFile, type Problem } from './validation';

export const MODEL_FILE = 'model.json';

export interface ModelValidation {
  /** model.json, when it parsed and matched the schema. */
  model: ModelJson | null;
  /** Empty when the bundle is valid (and fits the dataset, when one was given). */
  problems: Problem[];
}

/** Every ONNX file model.json names, with the field that names it. */
export function modelFiles(model: ModelJson): { path: string; field: string }[] {
  return [
    ...Object.entries(model.subjects).map(([id, s]) => ({ path: s.adapter, field: `subjects.${id}.adapter` })),
    ...Object.entries(model.files).map(([key, path]) => ({ path, field: `files.${key}` })),
  ];
}

/** model.json alone, parsed and checked against the schema. */
export async function readModelJson(source: BundleSource): Promise<ModelValidation> {
  const problems: Problem[] = [];
  const model = await readJsonFile(source, MODEL_FILE, '', modelSchema, problems);
  return { model, problems };
}

export async function validateModelBundle(source: BundleSource, dataset?: DatasetJson): Promise<ModelValidation> {
  const problems: Problem[] = [];
  try {
    const model = await readJsonFile(source, MODEL_FILE, '', modelSchema, problems);
    if (!model) return { model: null, problems };
    await Promise.all(
      modelFiles(model).map(async ({ path, field }) => {
        const bytes = await readBundleFile(source, path, `${MODEL_FILE} ${field}`, problems, { limit: 'onnxBytes' });
        if (bytes) problems.push(...onnxProblems(bytes).map((message) => ({ file: path, message })));
      }),
    );
    if (dataset) problems.push(...fitToDataset(model, dataset));
    return { model, problems };
  } catch (error) {
    problems.push({ file: MODEL_FILE, message: `validation stopped unexpectedly: ${errorText(error)}` });
    return { model: null, problems };
  }
}

/**
 * The model's subjects must be the dataset's, voxel for voxel: same V_s, same order. A model trained
 * for another dataset (the mini models on the simulated subjects, against a converted NSD subject) is
 * refused with both sides named: which model and what it was trained on, which dataset, and for each
 * subject the V_s and voxel order each side has.
 */
export function fitToDataset(model: ModelJson, dataset: DatasetJson): Problem[] {
  const problems: Problem[] = [];
  const report = (message: string) => problems.push({ file: MODEL_FILE, message });
  const modelSide = `model ${model.id} (trained on ${model.provenance.trainingData})`;
  const datasetSide = `dataset ${dataset.id} (${dataset.name})`;
  const ids = (list: string[]) => list.join(', ');
  for (const [id, expected] of Object.entries(model.subjects)) {
    const subject = dataset.subjects.find((s) => s.id === id);
    if (!subject) {
      report(
        `${modelSide} has subject ${id}, which ${datasetSide} does not have (the model has ${ids(Object.keys(model.subjects))}; the dataset has ${ids(dataset.subjects.map((s) => s.id))})`,
      );
      continue;
    }
    const differs = [
      subject.voxelCount !== expected.voxelCount && 'V_s',
      subject.voxelOrder !== expected.voxelOrder && 'voxel order',
    ].filter((d): d is string => typeof d === 'string');
    if (differs.length === 0) continue;
    const side = (count: number, order: string) => `V_s ${count}, voxel order "${order}"`;
    report(
      `${modelSide} does not fit ${datasetSide}: ${id} has ${side(expected.voxelCount, expected.voxelOrder)} in the model, ${side(subject.voxelCount, subject.voxelOrder)} in the dataset (${differs.join(' and ')} differ${differs.length === 1 ? 's' : ''}); its adapter reads the voxels it was trained on, so it needs one trained on this dataset's ${id}`,
    );
  }
  return problems;
}
