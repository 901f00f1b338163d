import type { ImageJson } from '../data/datasetSchema';
import { chanceRank } from '../state/galleryRules';
import type { RunState } from '../state/pipelineStore';
import { saveFigure } from './figure';
import type { FigureCell, FigureSpec } from './figureLayout';
import { tensorToDataUrl } from './TensorImage';

/** What an exported figure says under its pictures when the brain data are simulated. */
export const SIMULATED_NOTE = 'Simulated fMRI data, not recordings from people (mindeye-web).';

/** What the rank under a reconstruction means, with the chance level for `of` test images. */
export function rankNote(of: number): string {
  return `#n of ${of}: where the seen image ranks among the ${of} test images by resemblance to the reconstruction (the bundle's own image encoder; #1 is the closest, chance #${chanceRank(of)}).`;
}

/** The run's shown reconstruction as a figure picture, with the seen image's rank under it once known. */
export function reconstructionCell(run: RunState | undefined): FigureCell | null {
  const result = run?.result;
  if (!result) return null;
  const rank = run.resemblance;
  return {
    src: tensorToDataUrl(result.images, result.size, result.best * 3 * result.size ** 2),
    label: rank ? `#${rank.rank} of ${rank.of}` : undefined,
  };
}

/** The rank note for the runs that have a rank (they share their test set), or none. */
export function rankNotes(runs: (RunState | undefined)[]): string[] {
  const of = runs.find((run) => run?.resemblance)?.resemblance?.of;
  return of === undefined ? [] : [rankNote(of)];
}

interface Props {
  image: ImageJson | undefined;
  urlOf: (path: string) => string;
  /** Says so on the picture, as the page does. */
  synthetic: boolean;
  /** A column for each model: its title (and the model's name under it) and its run. */
  models: { title: string; subtitle?: string; run: RunState | undefined }[];
}

/** Saves the seen image and the shown reconstructions side by side, titled, with their ranks, as a PNG at 2x. */
export function ExportPng({ image, urlOf, synthetic, models }: Props) {
  const shown = models.filter((m) => m.run?.result);
  const save = () => {
    if (!image) return;
    const spec: FigureSpec = {
      columns: [{ title: 'Seen', subtitle: image.id }, ...shown.map(({ title, subtitle }) => ({ title, subtitle }))],
      rows: [[{ src: urlOf(image.file) }, ...shown.map((m) => reconstructionCell(m.run))]],
      warning: synthetic ? SIMULATED_NOTE : undefined,
      notes: rankNotes(shown.map((m) => m.run)),
    };
    void saveFigure(spec, `mindeye-${image.id}.png`);
  };
  return (
    <button type="button" onClick={save} disabled={!image || shown.length === 0}>
      Export comparison as PNG
    </button>
  );
}
