import { useEffect, useRef } from 'react';
import type { ModelJson } from '../data/modelSchema';
import type { LoadedDataset } from '../state/datasetStore';
import { useActions, usePipeline, useSelection } from '../state/hooks';
import { TensorImage } from './TensorImage';

interface Props {
  loaded: LoadedDataset;
  imageIndex: number;
  subjects: string[];
  modelsOf: (subject: string) => { url: string; json: ModelJson }[];
  /** Reconstruct for every subject as soon as shown (a lesson step), not only on the button. */
  runOnShow?: boolean;
}

/** The same image decoded from every subject that saw it (mean of repeats), each with its first model. */
export function CompareSubjects({ loaded, imageIndex, subjects, modelsOf, runOnShow = false }: Props) {
  const { reconstruct } = useActions();
  const runs = usePipeline((s) => s.runs);
  const seed = useSelection((s) => s.seed);
  const image = loaded.dataset.images[imageIndex]!;
  const candidates = subjects.flatMap((subject) => {
    const model = modelsOf(subject)[0];
    return model && (image.trials?.[subject]?.length ?? 0) > 0 ? [{ subject, model }] : [];
  });
  const runAll = () => {
    for (const { subject, model } of candidates) {
      void reconstruct(
        `subject:${subject}`,
        { modelUrl: model.url, subject, imageIndex, trial: 'average', seed, samples: 1 },
        loaded,
      );
    }
  };
  // Once per image and set of subjects; the models become known one by one while the catalog is read.
  const ran = useRef('');
  const wanted = candidates.length >= 2 ? `${imageIndex}:${candidates.map((c) => c.model.url).join()}` : '';
  useEffect(() => {
    if (!runOnShow || !wanted || ran.current === wanted) return;
    ran.current = wanted;
    runAll();
  });
  if (candidates.length < 2) return null;

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
