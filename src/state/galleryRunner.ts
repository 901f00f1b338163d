// Runs the gallery's reconstructions a few at a time, in order, so rows fill from the top while the
// page stays free; `stop` (leaving gallery mode, or a new list) cancels those in flight and starts
// nothing more. The worker runs one request at a time: two in flight let the page read the next
// image's voxels while the worker decodes the current one.
import type { GalleryJob } from './galleryRules';
import type { Slot } from './pipelineStore';

export interface GalleryRunner {
  /** Runs the jobs (after stopping the previous list); settles when all ran or it was stopped. */
  start(jobs: readonly GalleryJob[]): Promise<void>;
  stop(): void;
}

export function createGalleryRunner(
  run: (job: GalleryJob) => Promise<void>,
  cancel: (slot: Slot) => void,
  inFlight = 2,
): GalleryRunner {
  let generation = 0;
  const running = new Set<Slot>();

  function stop(): void {
    generation++;
    for (const slot of running) cancel(slot);
    running.clear();
  }

  async function start(jobs: readonly GalleryJob[]): Promise<void> {
    stop();
    const mine = generation;
    let next = 0;
    const lane = async () => {
      while (mine === generation && next < jobs.length) {
        const job = jobs[next++]!;
        running.add(job.slot);
        try {
          await run(job);
        } finally {
          if (mine === generation) running.delete(job.slot);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, jobs.length) }, lane));
  }

  return { start, stop };
}
