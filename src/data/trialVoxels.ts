// The voxel vector of one test image for one subject, as the app decodes it: one trial (a betas row),
// or the mean of the image's repeats (what MindEye2 evaluates on). Readers and trials.json are opened
// once per subject; rows are read lazily, one request per row.
import { AsyncMemo } from './asyncMemo';
import type { BundleSource } from './bundleSource';
import type { DatasetJson, TrialsJson } from './datasetSchema';
import { openBetasAndTrials, type SubjectBetas } from './subjectBetas';
import { meanOfRows, rowWeights } from './testSet';

export type TrialChoice = 'average' | number;

export class TrialVoxels {
  private readonly opened = new AsyncMemo<string, SubjectBetas & { trials: TrialsJson }>();

  constructor(
    readonly source: BundleSource,
    readonly dataset: DatasetJson,
  ) {}

  /** The betas rows that show an image to a subject (its repeats). */
  rows(subjectId: string, imageIndex: number): number[] {
    return this.dataset.images[imageIndex]?.trials?.[subjectId] ?? [];
  }

  /**
   * [V_s]: the chosen repeat's row, or the mean over the rows (weighted by the trials each averages),
   * or over the first `firstRepeats` of them (the 'fewer repeats' experiment).
   */
  async voxels(
    subjectId: string,
    imageIndex: number,
    trial: TrialChoice,
    firstRepeats?: number,
  ): Promise<Float32Array> {
    const rows = this.rows(subjectId, imageIndex);
    const image = this.dataset.images[imageIndex];
    if (rows.length === 0) throw new Error(`${subjectId} has no trials of ${image?.id ?? `image ${imageIndex}`}`);
    if (firstRepeats !== undefined && firstRepeats > rows.length)
      throw new Error(`${image?.id} has ${rows.length} repeat(s) for ${subjectId}, not ${firstRepeats}`);
    const { subject, reader, trials } = await this.opened.get(subjectId, () =>
      openBetasAndTrials(this.source, this.dataset, subjectId),
    );
    if (trial === 'average')
      return (await meanOfRows(reader, rows.slice(0, firstRepeats), rowWeights(subject, trials))).voxels;
    const row = rows[trial];
    if (row === undefined)
      throw new Error(`${image?.id} has ${rows.length} trial(s) for ${subjectId}, not ${trial + 1}`);
    return reader.read(row);
  }
}
