// The voxel vector a run decodes, with its experiment applied: what each experiment needs besides
// the trial (the ROI labels, the true pRFs, the other subject's voxel mask) is read once per subject
// and handed to the pure transforms of src/brain/experiments.ts.
import { silenceRois, voxelLabels } from '../brain/ablation';
import {
  addNoise,
  experimentSeed,
  hemifieldVoxels,
  shuffleVoxels,
  silenceVoxels,
  voxelsByPosition,
} from '../brain/experiments';
import { loadEncoding, loadSubjectBrain, type EncodingTable, type SubjectBrain } from '../brain/subjectBrain';
import { AsyncMemo } from '../data/asyncMemo';
import type { BundleSource } from '../data/bundleSource';
import type { DatasetJson, SubjectJson } from '../data/datasetSchema';
import { offGrid } from '../data/nifti';
import type { TrialVoxels } from '../data/trialVoxels';
import type { RunKey } from './pipelineStore';

/** The subject whose adapter reads a run's voxels: the other subject's for the wrong-adapter experiment. */
export function adapterSubject(key: RunKey): string {
  return key.experiment?.kind === 'subject' ? key.experiment.other : key.subject;
}

/** What experiments read of a dataset's subjects, each once. */
export class ExperimentInputs {
  private readonly brains = new AsyncMemo<string, SubjectBrain>();
  private readonly labels = new AsyncMemo<string, Int32Array>();
  private readonly encodings = new AsyncMemo<string, EncodingTable>();

  constructor(
    readonly source: BundleSource,
    readonly dataset: DatasetJson,
  ) {}

  private subject(id: string): SubjectJson {
    const subject = this.dataset.subjects.find((s) => s.id === id);
    if (!subject) throw new Error(`dataset ${this.dataset.id} has no subject ${id}`);
    return subject;
  }

  brain(id: string): Promise<SubjectBrain> {
    return this.brains.get(id, () => loadSubjectBrain(this.source, this.subject(id)));
  }

  /** The ROI label of each voxel, in vector order. */
  roiLabels(id: string): Promise<Int32Array> {
    return this.labels.get(id, async () => {
      const brain = await this.brain(id);
      return voxelLabels(brain.mask, (index) => brain.roi.volume.value(index));
    });
  }

  /** The simulation's ground truth per voxel (true pRF, tuning); a subject without one says so. */
  encoding(id: string): Promise<EncodingTable> {
    return this.encodings.get(id, () => {
      const subject = this.subject(id);
      if (!subject.encoding)
        throw new Error(
          `${id} has no encoding (the true receptive fields): the visual-field experiment needs simulated data`,
        );
      return loadEncoding(this.source, subject);
    });
  }
}

/**
 * The voxel vector a run decodes: its trial (or mean of repeats, or of the first repeats), changed by
 * its experiment. Noise and shuffle draw from the run's seed, so the same link gives the same result.
 */
export async function runVoxels(key: RunKey, trials: TrialVoxels, inputs: ExperimentInputs): Promise<Float32Array> {
  const experiment = key.experiment;
  if (experiment?.kind === 'repeats') return trials.voxels(key.subject, key.imageIndex, 'average', experiment.count);
  const voxels = await trials.voxels(key.subject, key.imageIndex, key.trial);
  switch (experiment?.kind) {
    case undefined:
      return voxels;
    case 'rois':
      return silenceRois(voxels, await inputs.roiLabels(key.subject), experiment.silenced);
    case 'hemifield':
      return silenceVoxels(voxels, hemifieldVoxels(await inputs.encoding(key.subject), experiment.side));
    case 'noise':
      return addNoise(voxels, experiment.sd, experimentSeed(key.seed));
    case 'shuffle':
      return shuffleVoxels(voxels, experimentSeed(key.seed));
    case 'subject': {
      const [own, other] = await Promise.all([inputs.brain(key.subject), inputs.brain(experiment.other)]);
      const problem = offGrid(other.roi.volume, own.roi.volume, own.roi.path);
      if (problem) {
        throw new Error(
          `${other.roi.path}: ${problem}, so ${key.subject}'s voxels cannot be placed onto ${experiment.other}'s`,
        );
      }
      return voxelsByPosition(voxels, own.mask, other.mask).voxels;
    }
  }
}
