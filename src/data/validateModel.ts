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

/** The model's subjects must be the dataset's, voxel for voxel: same V_s, same order. */
export function fitToDataset(model: ModelJson, dataset: DatasetJson): Problem[] {
  const problems: Problem[] = [];
  const report = (message: string) => problems.push({ file: MODEL_FILE, message });
  for (const [id, expected] of Object.entries(model.subjects)) {
    const subject = dataset.subjects.find((s) => s.id === id);
    if (!subject) {
      report(
        `model ${model.id} has subject ${id}, which dataset ${dataset.id} does not have (it has ${dataset.subjects.map((s) => s.id).join(', ')})`,
      );
      continue;
    }
    if (subject.voxelCount !== expected.voxelCount) {
      report(`model ${id} expects ${expected.voxelCount} voxels, dataset ${id} has ${subject.voxelCount}`);
    }
    if (subject.voxelOrder !== expected.voxelOrder) {
      report(`model ${id} expects voxel order "${expected.voxelOrder}", dataset ${id} has "${subject.voxelOrder}"`);
    }
  }
  return problems;
}
