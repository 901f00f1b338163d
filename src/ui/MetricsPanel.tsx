import { useState } from 'react';
import { METRIC_COLUMNS, metricCell, metricsCsv } from '../metrics/table';
import { useActions, usePipeline } from '../state/hooks';

function formatSeconds(seconds: number): string {
  return seconds < 90 ? `${Math.ceil(seconds)} s` : `${Math.ceil(seconds / 60)} min`;
}

interface Props {
  modelUrl: string;
  modelName: string;
  subject: string;
}

/**
 * The evaluation over the subject's test set, in the browser: the same code and columns as
 * `npm run eval` (seed 0, batches of 8, the bundle's sampler settings), with progress and cancel.
 */
export function MetricsPanel({ modelUrl, modelName, subject }: Props) {
  const { startEvaluation, cancelEvaluation } = useActions();
  const evaluation = usePipeline((s) => s.evaluation);
  const [limit, setLimit] = useState<number | null>(null);
  const current = evaluation?.modelUrl === modelUrl && evaluation.subject === subject ? evaluation : null;
  const running = evaluation?.status === 'running';
  const timeLeft = current?.status === 'running' ? (current.progress?.secondsLeft ?? null) : null;
  const download = () => {
    if (!current?.result) return;
    const link = document.createElement('a');
    link.download = `mindeye-eval-${subject}.csv`;
    link.href = URL.createObjectURL(new Blob([metricsCsv(current.result.rows)], { type: 'text/csv' }));
    link.click();
    URL.revokeObjectURL(link.href);
  };
  return (
    <section className="metrics" aria-labelledby="metrics-title">
      <h2 id="metrics-title">
        Measure: {modelName} on {subject}'s test set
      </h2>
      <p className="hint">
        MindEye2's Table 1 columns, computed here as <code>npm run eval</code> computes them. Two-way identification
        twice: on the bundle's own image encoder (circular: the brain model was trained to hit it) and on ImageNet
        features of a network this project did not train (Keras' MobileNetV2 up to block 10, from the nsfwjs package,
        served by this app). On the simulated demo data these numbers describe the simulation, not human brains.
      </p>
      <div className="settings-row">
        <label>
          Test images{' '}
          <select value={limit ?? ''} onChange={(e) => setLimit(e.target.value ? Number(e.target.value) : null)}>
            <option value="">all</option>
            <option value="50">first 50</option>
            <option value="16">first 16</option>
          </select>
        </label>
        <button
          type="button"
          disabled={running}
          onClick={() => void startEvaluation(modelUrl, subject, limit ?? undefined)}
        >
          Run evaluation
        </button>
        {running && (
          <button type="button" onClick={cancelEvaluation}>
            Cancel
          </button>
        )}
        {current?.result && (
          <button type="button" onClick={download}>
            Export CSV
          </button>
        )}
      </div>
      {current?.status === 'running' && (
        <p>
          <progress
            aria-label="Evaluation progress"
            value={current.progress?.done ?? 0}
            max={current.progress?.total ?? 1}
          />{' '}
          {current.progress
            ? `${current.progress.done} / ${current.progress.total} ${current.progress.what}`
            : 'starting…'}
          {timeLeft !== null && ` · about ${formatSeconds(timeLeft)} left`}
        </p>
      )}
      {current?.status === 'cancelled' && <p className="status">Cancelled.</p>}
      {current?.error && (
        <p className="problems" role="alert">
          {current.error}
        </p>
      )}
      {current?.result && (
        <div className="table-scroll">
          <table
            className="metrics-table"
            data-testid="metrics-table"
            data-timings={JSON.stringify(current.result.timings)}
          >
            <caption>
              {current.result.samples} test images, retrieval among {current.result.retrievalPool} (30 draws), on{' '}
              {current.result.engine}
            </caption>
            <thead>
              <tr>
                <th scope="col">method</th>
                {METRIC_COLUMNS.map((c) => (
                  <th key={c.key} scope="col">
                    {c.title}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {current.result.rows.map((row) => (
                <tr key={row.name}>
                  <th scope="row">{row.name}</th>
                  {METRIC_COLUMNS.map((c) => (
                    <td key={c.key} data-metric={c.key}>
                      {metricCell(row[c.key], c.percent)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
