// The voxel vector of one test image for one subject, as the app decodes it: one trial (a betas row),
// or the mean of the image's repeats (what MindEye2 evaluates on). Readers and trials.json are opened
// once per subject; rows are read lazily, one request per row.
import type { BundleSource } from './bundleSource';
import { trialsSchema, type DatasetJson, type TrialsJson } from './datasetSchema';
import { meanOfRows, rowWeights } from './testSet';
import { readJsonFile, type Problem } from './validation';
import { openRowReader, type RowReader } from './zarrArray';

export type TrialChoice = 'average' | number;

export class TrialVoxels {
  private readonly opened = new Map<string, Promise<{ reader: RowReader; trials: TrialsJson }>>();

  constructor(
    readonly source: BundleSource,
    readonly dataset: DatasetJson,
  ) {}

  /** The betas rows that show an image to a subject (its repeats). */
  rows(subjectId: string, imageIndex: number): number[] {
    return this.dataset.images[imageIndex]?.trials?.[subjectId] ?? [];
  }

  /** [V_s]: the chosen repeat's row, or the mean over the rows (weighted by the trials each averages). */
  async voxels(subjectId: string, imageIndex: number, trial: TrialChoice): Promise<Float32Array> {
    const rows = this.rows(subjectId, imageIndex);
    const image = this.dataset.images[imageIndex];
    if (rows.length === 0) throw new Error(`${subjectId} has no trials of ${image?.id ?? `image ${imageIndex}`}`);
    const { reader, trials } = await this.open(subjectId);
    const subject = this.dataset.subjects.find((s) => s.id === subjectId)!;
    if (trial === 'average') return (await meanOfRows(reader, rows, rowWeights(subject, trials))).voxels;
    const row = rows[trial];
    if (row === undefined)
      throw new Error(`${image?.id} has ${rows.length} trial(s) for ${subjectId}, not ${trial + 1}`);
    return reader.read(row);
  }

  private open(subjectId: string): Promise<{ reader: RowReader; trials: TrialsJson }> {
    let opened = this.opened.get(subjectId);
    if (!opened) {
      opened = (async () => {
        const subject = this.dataset.subjects.find((s) => s.id === subjectId);
        if (!subject?.betas || !subject.trials)
          throw new Error(`dataset ${this.dataset.id}: ${subjectId} has no betas`);
        const problems: Problem[] = [];
        const trials = await readJsonFile(this.source, subject.trials, `subject ${subjectId}`, trialsSchema, problems);
        if (!trials) throw new Error(problems.map((p) => `${p.file}: ${p.message}`).join('\n'));
        const reader = await openRowReader(this.source, subject.betas.path, subject.betas.scale ?? 1);
        return { reader, trials };
      })();
      opened.catch(() => this.opened.delete(subjectId));
      this.opened.set(subjectId, opened);
    }
    return opened;
  }
}
