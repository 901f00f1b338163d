import type { ImageJson } from '../data/datasetSchema';
import type { RunState } from '../state/pipelineStore';
import { tensorToDataUrl } from './TensorImage';

interface Props {
  runs: RunState[];
  names: string[];
  image: ImageJson | undefined;
  urlOf: (path: string) => string;
  /** Says so on the picture, as the page does. */
  synthetic: boolean;
}

const TILE = 192;

/** Saves the seen image and the shown reconstructions side by side, labelled, as one PNG. */
export function ExportPng({ runs, names, image, urlOf, synthetic }: Props) {
  const done = runs.filter((r) => r.result);
  const save = async () => {
    if (!image) return;
    const tiles = [
      { src: urlOf(image.file), label: `seen: ${image.id}` },
      ...done.map((run, i) => ({
        src: tensorToDataUrl(run.result!.images, run.result!.size, run.result!.best * 3 * run.result!.size ** 2),
        label: names[runs.indexOf(run)] ?? `model ${i + 1}`,
      })),
    ];
    const canvas = document.createElement('canvas');
    canvas.width = tiles.length * (TILE + 8) + 8;
    canvas.height = TILE + 56;
    const context = canvas.getContext('2d')!;
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.fillStyle = '#1d2330';
    context.font = '12px sans-serif';
    for (const [i, tile] of tiles.entries()) {
      const picture = new Image();
      picture.crossOrigin = 'anonymous';
      picture.src = tile.src;
      await picture.decode();
      const x = 8 + i * (TILE + 8);
      context.drawImage(picture, x, 8, TILE, TILE);
      context.fillText(tile.label.slice(0, 34), x, TILE + 24);
    }
    if (synthetic) context.fillText('Simulated fMRI data, not recordings from people (mindeye-web).', 8, TILE + 46);
    const link = document.createElement('a');
    link.download = `mindeye-${image.id}.png`;
    link.href = canvas.toDataURL('image/png');
    link.click();
  };
  return (
    <button type="button" onClick={() => void save()} disabled={!image || done.length === 0}>
      Export comparison as PNG
    </button>
  );
}
