// Presentation mode (`?present`): one trial of a playlist at a time, full screen, dark and large for
// a projector; a clicker's keys move through it. Every reconstruction of the playlist is computed
// ahead, in the background, with a picture of every denoising step kept so that the scrubber replays
// the denoising without recomputing it; the seen images are read once into memory. The "ready" sign
// says when all is done: from then on the playlist needs no network.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { BundleSource } from '../data/bundleSource';
import { resolveUrl } from '../state/bundleKeys';
import type { LoadedDataset } from '../state/datasetStore';
import { useActions, useDataset, usePipeline, useSelection, useSettings } from '../state/hooks';
import { sameRun, type RunKey, type RunState } from '../state/pipelineStore';
import {
  clickerMove,
  computeAhead,
  movedPosition,
  playlistPosition,
  resolvePlaylist,
  type PlaylistItem,
} from '../state/presentation';
import { runKeys } from '../state/selectionRules';
import { serializeUrlState } from '../state/urlState';
import { LowLevelTile, RankLine, SeenTile, SkeletonTile } from './ResultTiles';
import { SimulatedBadge } from './SimulatedChip';
import { TensorCanvas, TensorImage } from './TensorImage';
import './presentation.css';

/** How long each denoising step shows when the denoising is replayed. */
const FRAME_MS = 140;

const slotOf = (index: number) => `present:${index}`;

/** A run of this key that has everything a slide shows (its rank included), or that failed for good. */
function settled(run: RunState | undefined, key: RunKey): boolean {
  return (
    run !== undefined &&
    sameRun(run.key, key) &&
    (run.status === 'failed' || (run.status === 'done' && run.resemblance !== null))
  );
}

export function Presentation() {
  const loaded = useDataset((s) => s.loaded);
  const status = useDataset((s) => s.status);
  const location = useDataset((s) => s.location);
  return (
    <div className="presentation" data-testid="presentation">
      {loaded ? (
        <Playlist loaded={loaded} />
      ) : (
        <p className="presentation-wait" role="status">
          {status === 'failed' ? `${location} could not be opened.` : 'Opening the dataset…'}
        </p>
      )}
    </div>
  );
}

function Playlist({ loaded }: { loaded: LoadedDataset }) {
  const { dataset, source } = loaded;
  const { select, reconstruct } = useActions();
  const selection = useSelection((s) => s);
  const catalog = usePipeline((s) => s.catalog);
  const runs = usePipeline((s) => s.runs);
  const samples = useSettings((s) => s.samples);
  const subject = selection.subject;
  const { items, skipped } = useMemo(
    () => (subject ? resolvePlaylist(selection.present ?? [], dataset, subject) : { items: [], skipped: [] }),
    [selection.present, dataset, subject],
  );
  const position = playlistPosition(items, selection.image, selection.trial);
  const item = items[position];

  // Each item decoded as the selection's model would decode it, in a slot of its own.
  const base = runKeys(selection, { samples }, dataset, catalog, resolveUrl).main;
  const keys = useMemo(
    () => (base ? items.map((it): RunKey => ({ ...base, imageIndex: it.imageIndex, trial: it.trial })) : []),
    // The base key's fields, not its identity (runKeys makes a new object on every render), and not
    // its image and trial: those are the shown slide's, which the items' keys replace.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [items, base && JSON.stringify({ ...base, imageIndex: 0, trial: 0 })],
  );
  const pictures = useSeenPictures(
    source,
    useMemo(() => items.map((it) => dataset.images[it.imageIndex]!.file), [items, dataset]),
  );

  // Computed in the background, the shown item first, then those after it.
  const positionRef = useRef(position);
  const runsRef = useRef(runs);
  useEffect(() => {
    positionRef.current = position;
    runsRef.current = runs;
  });
  useEffect(() => {
    if (keys.length === 0) return;
    let stopped = false;
    void computeAhead({
      count: keys.length,
      position: () => positionRef.current,
      settled: (i) => settled(runsRef.current[slotOf(i)], keys[i]!),
      compute: (i) => reconstruct(slotOf(i), keys[i]!, loaded, { everyStep: true }),
      stopped: () => stopped,
    });
    return () => {
      stopped = true;
    };
  }, [keys, loaded, reconstruct]);

  // The selection follows the playlist: the address bar always links to the slide shown.
  useEffect(() => {
    if (item && (selection.image !== item.image || selection.trial !== item.trial))
      select({ image: item.image, trial: item.trial });
  }, [item, selection.image, selection.trial, select]);
  const go = (index: number) => {
    const next = items[index];
    if (next) select({ image: next.image, trial: next.trial });
  };
  const goRef = useRef(go);
  useEffect(() => {
    goRef.current = go;
  });
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
      if (event.key === 'f' || event.key === 'F') return void enterFullscreen();
      const move = clickerMove(event.key, event.shiftKey);
      if (move === null) return;
      // The scrubber keeps its own arrow keys; the clicker's PageUp/PageDown and space still move on.
      const onScrubber = event.target instanceof HTMLInputElement && event.target.type === 'range';
      if (onScrubber && event.key.startsWith('Arrow')) return;
      if (event.target instanceof HTMLButtonElement && event.key === ' ') return;
      event.preventDefault();
      goRef.current(movedPosition(positionRef.current, move, items.length));
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [items.length]);

  const done = keys.filter((key, i) => settled(runs[slotOf(i)], key)).length;
  const failed = keys.filter((key, i) => settled(runs[slotOf(i)], key) && runs[slotOf(i)]!.status === 'failed').length;
  const picturesRead = items.filter((it) => pictures[dataset.images[it.imageIndex]!.file]).length;
  const allSettled = keys.length > 0 && done === keys.length && picturesRead === items.length;
  const ready = allSettled && failed === 0;
  const sign = ready
    ? `Ready: all ${keys.length} computed, works offline`
    : allSettled
      ? `${done - failed} of ${keys.length} computed, ${failed} failed`
      : keys.length === 0
        ? 'Loading the model…'
        : `Computing ahead: ${done} of ${keys.length}…`;

  const exit = serializeUrlState({ ...selection, present: null }) || '?';
  const image = item ? dataset.images[item.imageIndex] : undefined;
  const run = item ? runs[slotOf(position)] : undefined;
  const shownRun = run && keys[position] && sameRun(run.key, keys[position]!) ? run : undefined;
  const repeats = item && subject ? (image?.trials?.[subject]?.length ?? 0) : 0;

  return (
    <>
      <header className="presentation-bar">
        <span className="presentation-title">mindeye-web</span>
        {items.length > 0 && (
          <span className="presentation-position" data-testid="present-position">
            {position + 1} / {items.length}
          </span>
        )}
        <span
          className={`presentation-ready${ready ? ' is-ready' : ''}`}
          data-testid="present-ready"
          data-ready={ready}
          role="status"
        >
          {sign}
        </span>
        <span className="presentation-actions">
          <button type="button" onClick={enterFullscreen}>
            Full screen
          </button>
          <a href={exit}>Leave the presentation</a>
        </span>
      </header>
      {skipped.length > 0 && (
        <ul className="presentation-skipped" role="alert" aria-label="Left out of the playlist">
          {skipped.map((line) => (
            <li key={line}>Left out of the playlist: {line}</li>
          ))}
        </ul>
      )}
      {item && image ? (
        <main className="presentation-slide">
          <div className="presentation-tiles">
            {pictures[image.file] ? (
              <SeenTile image={image} urlOf={(file) => pictures[file]!} />
            ) : (
              <SkeletonTile label="Seen" hint="The picture the person looked at in the scanner" />
            )}
            <DenoisingTile key={position} run={shownRun} imageId={image.id} />
            <LowLevelTile run={shownRun} imageId={image.id} slot="present" />
          </div>
          <p className="presentation-caption">
            {image.caption && <>“{image.caption}” · </>}
            {subject},{' '}
            {item.trial === 'average' ? `mean of ${repeats} repeats` : `trial ${item.trial + 1} of ${repeats}`}
            {dataset.synthetic && <SimulatedBadge />}
          </p>
          <RankLine run={shownRun} slot="present" />
          {shownRun?.error && (
            <p className="problems" role="alert">
              {shownRun.error}
            </p>
          )}
        </main>
      ) : (
        <p className="presentation-wait" role="status">
          {subject ? `Nothing to show: the playlist has no trial ${subject} saw.` : 'Choosing a subject…'}
        </p>
      )}
      <PlaylistStrip items={items} position={position} runs={runs} keys={keys} onPick={go} />
      <p className="presentation-keys">
        Next: Page Down, →, space · Previous: Page Up, ← · F: full screen
        {dataset.synthetic && ' · The brain activity shown was simulated, not recorded from a person.'}
      </p>
    </>
  );
}

/** The playlist as small numbered buttons, each marked once its reconstruction is computed. */
function PlaylistStrip({
  items,
  position,
  runs,
  keys,
  onPick,
}: {
  items: PlaylistItem[];
  position: number;
  runs: Record<string, RunState>;
  keys: RunKey[];
  onPick: (index: number) => void;
}) {
  return (
    <nav className="presentation-strip" aria-label="Playlist">
      <ol>
        {items.map((it, i) => {
          const computed = keys[i] !== undefined && settled(runs[slotOf(i)], keys[i]);
          return (
            <li key={`${it.image}:${it.trial}`}>
              <button
                type="button"
                aria-current={i === position ? 'true' : undefined}
                className={computed ? 'computed' : undefined}
                title={`${it.image}${computed ? ' (computed)' : ''}`}
                onClick={() => onPick(i)}
              >
                {i + 1}
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

/**
 * The reconstruction with its denoising replayable: the pictures of the steps, then the result. It
 * plays once when the slide opens (or when its run finishes); the scrubber shows any step.
 */
function DenoisingTile({ run, imageId }: { run: RunState | undefined; imageId: string }) {
  const finished = run?.status === 'done' && run.result !== null;
  const frames = finished ? run.frames : [];
  const last = frames.length; // the result itself
  const [at, setAt] = useState(0);
  const [playing, setPlaying] = useState(true);
  const animating = finished && playing && at < last;
  useEffect(() => {
    if (!animating) return;
    const timer = setTimeout(() => setAt((value) => value + 1), FRAME_MS);
    return () => clearTimeout(timer);
  }, [animating, at]);

  if (!run || (!finished && !run.preview)) {
    const state = run?.status === 'failed' ? 'failed' : run?.status === 'running' ? 'computing…' : 'waiting…';
    return <SkeletonTile label={`Reconstruction · ${state}`} hint="What the model drew from the brain activity" />;
  }
  const result = run.result;
  const frame = finished && at < last ? frames[at]! : null;
  const label = !finished
    ? `Reconstruction · step ${run.step} of ${run.steps}`
    : frame
      ? `Denoising · step ${frame.step} of ${run.steps}`
      : 'Reconstruction';
  return (
    <figure className="tile presentation-denoising">
      {!finished || frame ? (
        <TensorCanvas
          className="tile-picture"
          data={frame ? frame.image : run.preview!}
          size={Math.round(Math.sqrt((frame ? frame.image : run.preview!).length / 3))}
          alt={`reconstruction of ${imageId} forming, step ${frame ? frame.step : run.step} of ${run.steps}`}
          testId="present-frame"
        />
      ) : (
        <TensorImage
          className="tile-picture"
          data={result!.images}
          size={result!.size}
          index={result!.best}
          alt={`reconstruction of ${imageId} from ${run.key.subject}'s brain activity`}
          testId="present-reconstruction"
        />
      )}
      <figcaption>{label}</figcaption>
      {finished && (
        <div className="presentation-scrubber">
          <button
            type="button"
            onClick={() => {
              setAt(0);
              setPlaying(true);
            }}
          >
            Replay
          </button>
          <input
            type="range"
            min={0}
            max={last}
            step={1}
            value={Math.min(at, last)}
            aria-label="Denoising step"
            aria-valuetext={frame ? `step ${frame.step} of ${run.steps}` : 'the result'}
            // Taking hold of the scrubber stops the replay, even before its value changes.
            onPointerDown={() => setPlaying(false)}
            onChange={(e) => {
              setPlaying(false);
              setAt(e.target.valueAsNumber);
            }}
          />
        </div>
      )}
    </figure>
  );
}

/** Full screen needs a user gesture (a click or key press); without it the mode works in the window. */
function enterFullscreen(): void {
  if (document.fullscreenElement) return;
  void document.documentElement.requestFullscreen?.().catch(() => undefined);
}

/**
 * The seen images of the playlist, read once through the bundle's source (and its Cache Storage)
 * into object URLs: once read, a slide shows its picture with no network.
 */
function useSeenPictures(source: BundleSource, files: readonly string[]): Record<string, string> {
  const [pictures, setPictures] = useState<{ source: BundleSource; urls: Record<string, string> }>({
    source,
    urls: {},
  });
  useEffect(() => {
    const abort = new AbortController();
    const made: string[] = [];
    void (async () => {
      for (const file of new Set(files)) {
        const bytes = await source.read(file, { signal: abort.signal }).catch(() => null);
        if (abort.signal.aborted) return;
        if (!bytes) continue; // the slide shows a skeleton; the bundle's check reports the file
        const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>]));
        made.push(url);
        setPictures((p) => ({ source, urls: { ...(p.source === source ? p.urls : {}), [file]: url } }));
      }
    })();
    return () => {
      abort.abort();
      for (const url of made) URL.revokeObjectURL(url);
    };
  }, [source, files]);
  return pictures.source === source ? pictures.urls : {};
}
