// Checks of one subject: its anatomy and ROI volumes (readable, one grid, the mask's size), its betas
// and trials, and its encoding model.
import type { BundleSource } from './bundleSource';
import { trialsSchema, type DatasetJson, type SubjectJson } from './datasetSchema';
import { countLabels, NiftiError, offGrid, parseNifti, type NiftiVolume } from './nifti';
import { checkBetas, checkEncoding, type ArrayScan } from './validateArrays';
import { checkTrials } from './validateTrials';
import { readBundleFile, readJsonFile, type Problem, type RoiLabelSummary, type SubjectSummary } from './validation';

export async function validateSubject(
  source: BundleSource,
  dataset: DatasetJson,
  index: number,
  scan: ArrayScan = { chunks: 'ends' },
): Promise<{ summary: SubjectSummary; problems: Problem[] }> {
  const subject = dataset.subjects[index]!;
  const field = `subjects[${index}]`;
  const problems: Problem[] = [];

  const [anatomy, roi, betasRows, trials] = await Promise.all([
    readVolume(source, subject.anatomy, `${field}.anatomy`, problems),
    readVolume(source, subject.roi, `${field}.roi`, problems),
    checkBetas(source, subject, field, scan, problems),
    subject.trials ? readJsonFile(source, subject.trials, `${field}.trials`, trialsSchema, problems) : null,
    checkEncoding(source, subject, field, scan, problems),
  ]);

  if (anatomy) checkVoxelSize(anatomy, subject.anatomy, dataset.voxelSize, problems);
  const grid = anatomy && roi ? offGrid(roi, anatomy, subject.anatomy) : null;
  if (grid) problems.push({ file: subject.roi, message: grid });
  const roiLabels = roi ? checkRoiLabels(roi, dataset, index, problems) : [];
  const splitCounts =
    trials && subject.trials
      ? checkTrials(dataset, { subjectIndex: index, trialsPath: subject.trials, trials, betasRows }, problems)
      : null;

  return {
    summary: {
      id: subject.id,
      voxelCount: subject.voxelCount,
      roiLabels,
      trials: splitCounts,
      betasRows: subject.betas?.rows ?? null,
    },
    // The files above were read concurrently; order the messages by file so the report is stable.
    problems: problems.sort((a, b) => a.file.localeCompare(b.file)),
  };
}

/** Why a mask of `maskVoxels` voxels does not fit the subject (`voxelCountName` names the field), or null. */
export function maskSizeMismatch(subject: SubjectJson, maskVoxels: number, voxelCountName: string): string | null {
  if (maskVoxels === subject.voxelCount) return null;
  return (
    `the mask (labels ${subject.maskLabels.join(', ')}) holds ${maskVoxels} voxels, ` +
    `but ${voxelCountName} is ${subject.voxelCount}`
  );
}

async function readVolume(source: BundleSource, path: string, referencedBy: string, problems: Problem[]) {
  const bytes = await readBundleFile(source, path, referencedBy, problems, { limit: 'niftiBytes' });
  if (!bytes) return null;
  try {
    return await parseNifti(bytes);
  } catch (error) {
    if (!(error instanceof NiftiError)) throw error;
    problems.push({ file: path, message: error.message });
    return null;
  }
}

function checkVoxelSize(volume: NiftiVolume, file: string, voxelSize: number[], problems: Problem[]) {
  if (volume.pixDims.some((size, i) => Math.abs(size - voxelSize[i]!) > 1e-3)) {
    problems.push({
      file,
      message: `voxel size ${volume.pixDims.join(' x ')} mm differs from voxelSize ${voxelSize.join(' x ')} mm in dataset.json`,
    });
  }
}

/** Counts the ROI's voxels per label; the mask (maskLabels) must hold exactly voxelCount voxels. */
function checkRoiLabels(roi: NiftiVolume, dataset: DatasetJson, index: number, problems: Problem[]): RoiLabelSummary[] {
  const subject = dataset.subjects[index]!;
  let counts: Map<number, number>;
  try {
    counts = countLabels(roi);
  } catch (error) {
    if (!(error instanceof NiftiError)) throw error;
    problems.push({ file: subject.roi, message: error.message });
    return [];
  }
  const mask = new Set(subject.maskLabels);
  const labels = Object.entries(subject.roiLabels).map(([value, name]) => ({
    value: Number(value),
    name,
    voxels: counts.get(Number(value)) ?? 0,
    inMask: mask.has(Number(value)),
  }));
  const maskVoxels = labels.filter((l) => l.inMask).reduce((sum, l) => sum + l.voxels, 0);
  const size = maskSizeMismatch(subject, maskVoxels, `subjects[${index}].voxelCount`);
  if (size) problems.push({ file: subject.roi, message: size });
  const unnamed = [...counts.keys()].filter((value) => value !== 0 && !(String(value) in subject.roiLabels));
  if (unnamed.length > 0) {
    problems.push({
      file: subject.roi,
      message: `holds labels ${unnamed.sort((a, b) => a - b).join(', ')}, which subjects[${index}].roiLabels does not name`,
    });
  }
  return labels.sort((a, b) => a.value - b.value);
}
