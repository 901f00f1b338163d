import type { ModelJson } from '../data/modelSchema';
import type { LoadedDataset } from '../state/datasetStore';
import { useActions, usePipeline, useSelection, useSettings } from '../state/hooks';
import { TensorImage } from './TensorImage';

interface Props {
  loaded: LoadedDataset;
  imageIndex: number;
  subjects: string[];
  modelsOf: (subject: string) => { url: string; json: ModelJson }[];
}

/** The same image decoded from every subject that saw it (mean of repeats), each with its first model. */
export function CompareSubjects({ loaded, imageIndex, subjects, modelsOf }: Props) {
  const { reconstruct } = useActions();
  const runs = usePipeline((s) => s.runs);
  const seed = useSelection((s) => s.seed);
  const silenced = useSettings((s) => s.silenced);
  const image = loaded.dataset.images[imageIndex]!;
  const candidates = subjects.flatMap((subject) => {
    const model = modelsOf(subject)[0];
    return model && (image.trials?.[subject]?.length ?? 0) > 0 ? [{ subject, model }] : [];
  });
  if (candidates.length < 2) return null;

  const runAll = () => {
    for (const { subject, model } of candidates) {
      void reconstruct(
        `subject:${subject}`,
        { modelUrl: model.url, subject, imageIndex, trial: 'average', silenced, seed, samples: 1 },
        loaded,
      );
    }
  };
  return (
    <section className="compare-subjects" aria-labelledby="compare-subjects-title">
      <h2 id="compare-subjects-title">The same image, across subjects</h2>
      <button type="button" onClick={runAll}>
        Reconstruct {image.id} for {candidates.length} subjects
      </button>
      <ul>
        {candidates.map(({ subject, model }) => {
          const run = runs[`subject:${subject}`];
          const current = run?.key.imageIndex === imageIndex ? run : undefined;
          return (
            <li key={subject}>
              {current?.result ? (
                <TensorImage
                  data={current.result.images}
                  size={current.result.size}
                  alt={`reconstruction of ${image.id} from ${subject}`}
                />
              ) : (
                <div className="placeholder" aria-hidden="true" />
              )}
              <span>
                {subject} · {model.json.name}
                {current?.status === 'running' && ' · decoding…'}
                {current?.status === 'cancelled' && ' · cancelled'}
                {current?.error && ` · ${current.error}`}
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
