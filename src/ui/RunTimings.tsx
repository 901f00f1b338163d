import { usePipeline } from '../state/hooks';
import type { Slot } from '../state/pipelineStore';

/** How long each stage of a slot's last reconstruction took, for the page's info footer. */
export function RunTimings({ slot, label }: { slot: Slot; label: string }) {
  const run = usePipeline((s) => s.runs[slot]);
  const model = usePipeline((s) => (run ? s.models[run.key.modelUrl] : undefined));
  const result = run?.result;
  if (!result) return null;
  return (
    <p
      className="timings"
      data-testid={`${slot}-timings`}
      data-timings={JSON.stringify(result.timings)}
      data-wall-ms={run.wallMs ?? undefined}
      data-load-ms={model?.status === 'ready' ? model.loadMs : undefined}
    >
      {label}:{' '}
      {Object.entries(result.timings)
        .map(([stage, ms]) => `${stage} ${ms.toFixed(0)} ms`)
        .join(' · ')}
      {run.wallMs != null && ` · total ${run.wallMs.toFixed(0)} ms`}
    </p>
  );
}
