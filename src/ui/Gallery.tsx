// Gallery mode: MindEye2's figure, live. A row per test image of the subject: what they saw, the
// shared-subject and the single-subject reconstruction with the rank each gives the seen image, and
// the low-level image; rows fill as the worker finishes them, can be ordered by either model's rank,
// and export as a figure. Leaving the mode cancels what is still decoding (the rows done stay).
import { useEffect, useMemo, useState } from 'react';
import type { LoadedDataset } from '../state/datasetStore';
import {
  chanceRank,
  GALLERY_PAGE,
  galleryImages,
  galleryJobs,
  galleryRows,
  sharedAndSingle,
  sortRows,
  summarize,
  type GalleryColumn,
  type GalleryOrder,
  type GalleryRow,
  type GallerySummary,
  type ModelPair,
} from '../state/galleryRules';
import { useActions, usePipeline, useSelection } from '../state/hooks';
import type { RunState } from '../state/pipelineStore';
import { rankNotes, reconstructionCell, SIMULATED_NOTE } from './ExportPng';
import { saveFigure } from './figure';
import type { FigureSpec } from './figureLayout';
import { SimulatedBadge } from './SimulatedChip';
import { tensorToDataUrl, TensorImage } from './TensorImage';
import './gallery.css';

const KIND: Record<GalleryColumn, string> = { shared: 'Shared-subject', single: 'Single-subject' };
const ORDERS: Record<GalleryOrder, string> = {
  image: 'test image',
  shared: 'shared-subject rank',
  single: 'single-subject rank',
};
const LOW_LEVEL = 'Low-level';

export function Gallery({ loaded }: { loaded: LoadedDataset }) {
  const { dataset, source } = loaded;
  const urlOf = (path: string) => source.url(path);
  const { runGallery, stopGallery, select } = useActions();
  const subject = useSelection((s) => s.subject);
  const seed = useSelection((s) => s.seed);
  const catalog = usePipeline((s) => s.catalog);
  const runs = usePipeline((s) => s.runs);
  const [count, setCount] = useState(GALLERY_PAGE);
  const [order, setOrder] = useState<GalleryOrder>('image');

  // While a bundle is still being listed, the pair could change under the rows.
  const listing = Object.values(catalog).some((entry) => entry.status === 'loading');
  const pair = useMemo(() => sharedAndSingle(listing ? {} : catalog, subject), [catalog, listing, subject]);
  const all = useMemo(() => galleryImages(dataset, subject), [dataset, subject]);
  const images = useMemo(() => all.slice(0, count), [all, count]);
  const jobs = useMemo(
    () => (subject === null ? [] : galleryJobs(images, pair, subject, seed)),
    [images, pair, subject, seed],
  );
  useEffect(() => {
    if (jobs.length > 0) void runGallery(jobs, loaded);
    return stopGallery;
  }, [jobs, loaded, runGallery, stopGallery]);

  const columns = (['shared', 'single'] as const).filter((column) => pair[column]);
  const rows = subject === null ? [] : galleryRows(images, pair, subject, seed, runs);
  const sorted = sortRows(rows, order);
  const summary = summarize(rows);
  const ranked = rows.flatMap((row) => columns.map((column) => row[column])).filter((run) => run?.resemblance).length;
  const lowLevelFrom = columns[0];

  // The figure holds the rows every model has ranked, in the order shown.
  const complete = sorted.filter((row) => columns.length > 0 && columns.every((column) => row[column]?.resemblance));
  const exportFigure = () => {
    if (!subject || complete.length === 0) return;
    const spec: FigureSpec = {
      columns: [
        { title: 'Seen' },
        ...columns.map((column) => ({ title: KIND[column], subtitle: pair[column]!.json.name })),
        ...(lowLevelFrom
          ? [{ title: LOW_LEVEL, subtitle: `layout and colour, ${KIND[lowLevelFrom].toLowerCase()}` }]
          : []),
      ],
      rows: complete.map((row) => [
        { src: urlOf(dataset.images[row.imageIndex]!.file), label: dataset.images[row.imageIndex]!.id },
        ...columns.map((column) => reconstructionCell(row[column])),
        ...(lowLevelFrom ? [lowLevelCell(row[lowLevelFrom])] : []),
      ]),
      warning: dataset.synthetic ? SIMULATED_NOTE : undefined,
      notes: [
        ...rankNotes(complete.flatMap((row) => columns.map((column) => row[column]))),
        `${subject}, the mean of each image's repeats, seed ${seed}; ${complete.length} of ${all.length} test images, ordered by ${ORDERS[order]}. ${summaryText(summary, pair)}`,
      ],
    };
    void saveFigure(spec, `mindeye-gallery-${subject}.png`);
  };

  return (
    <section className="gallery" id="gallery" aria-labelledby="gallery-title">
      <div className="gallery-head">
        <h2 id="gallery-title">
          Gallery: {subject ?? 'no subject'}'s test images
          {dataset.synthetic && <SimulatedBadge />}
        </h2>
        <button type="button" onClick={() => select({ mode: 'stage' })}>
          Back to the stage
        </button>
      </div>
      <div className="gallery-body">
        <div className="gallery-side">
          <p className="hint">
            MindEye2's point: a model pretrained on other people and fitted to one hour of a new person (shared-subject)
            decodes that person better than one trained on the hour alone (single-subject).
          </p>
          <div className="gallery-controls">
            <label>
              Order by{' '}
              <select value={order} onChange={(e) => setOrder(e.target.value as GalleryOrder)}>
                {Object.entries(ORDERS).map(([value, label]) =>
                  value === 'image' || columns.includes(value as GalleryColumn) ? (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ) : null,
                )}
              </select>
            </label>
            <button type="button" onClick={exportFigure} disabled={complete.length === 0}>
              Export figure as PNG
            </button>
            <p className="status" data-testid="gallery-progress">
              {listing
                ? 'Listing the models…'
                : jobs.length === 0
                  ? ''
                  : ranked < jobs.length
                    ? `Decoding: ${ranked} of ${jobs.length} reconstructions ranked…`
                    : `${ranked} of ${jobs.length} reconstructions ranked.`}
            </p>
          </div>
          {!listing && columns.length === 0 && (
            <p className="problems">
              No model listed decodes {subject ?? 'this subject'}: the gallery has nothing to show.
            </p>
          )}
          {!listing && columns.length === 1 && (
            <p className="hint">
              No {columns[0] === 'shared' ? 'single-subject' : 'shared-subject'} model is listed for {subject}: its
              column is left out.
            </p>
          )}
          {columns.length > 0 && (
            <p className="gallery-summary" data-testid="gallery-summary">
              {summaryText(summary, pair)}
            </p>
          )}
        </div>
        <div className="gallery-main">
          {columns.length > 0 && (
            <table className="gallery-table" data-testid="gallery-table">
              <thead>
                <tr>
                  <th scope="col">Seen</th>
                  {columns.map((column) => (
                    <th scope="col" key={column}>
                      {KIND[column]}
                      <span className="gallery-model">{pair[column]!.json.name}</span>
                    </th>
                  ))}
                  <th scope="col">
                    {LOW_LEVEL}
                    <span className="gallery-model">layout and colour</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {sorted.map((row) => (
                  <GalleryTableRow
                    key={row.imageIndex}
                    row={row}
                    columns={columns}
                    lowLevelFrom={lowLevelFrom}
                    loaded={loaded}
                    onOpen={() =>
                      select({ image: dataset.images[row.imageIndex]!.id, trial: 'average', mode: 'stage' })
                    }
                    urlOf={urlOf}
                  />
                ))}
              </tbody>
            </table>
          )}
          {count < all.length && columns.length > 0 && (
            <button type="button" onClick={() => setCount((n) => n + GALLERY_PAGE)}>
              Show {Math.min(GALLERY_PAGE, all.length - count)} more ({count} of {all.length} test images shown)
            </button>
          )}
        </div>
      </div>
    </section>
  );
}

function GalleryTableRow({
  row,
  columns,
  lowLevelFrom,
  loaded,
  onOpen,
  urlOf,
}: {
  row: GalleryRow;
  columns: GalleryColumn[];
  lowLevelFrom: GalleryColumn | undefined;
  loaded: LoadedDataset;
  onOpen: () => void;
  urlOf: (path: string) => string;
}) {
  const image = loaded.dataset.images[row.imageIndex]!;
  const lowLevel = lowLevelFrom ? row[lowLevelFrom]?.result?.blurry : undefined;
  return (
    <tr data-testid="gallery-row" data-image={image.id}>
      <th scope="row">
        <button
          type="button"
          className="gallery-open"
          onClick={onOpen}
          title={`Open ${image.id} on the stage`}
          aria-label={`Open ${image.id} on the stage`}
        >
          <img src={urlOf(image.file)} alt={`seen: ${image.caption ?? image.id}`} crossOrigin="anonymous" />
          <span>{image.id}</span>
        </button>
      </th>
      {columns.map((column) => (
        <td key={column}>
          <RunCell run={row[column]} kind={KIND[column]} imageId={image.id} />
        </td>
      ))}
      <td>
        {lowLevel ? (
          <TensorImage
            data={lowLevel}
            size={row[lowLevelFrom!]!.result!.size}
            alt={`low-level output for ${image.id}`}
          />
        ) : (
          <div className="gallery-picture skeleton" aria-hidden="true" />
        )}
      </td>
    </tr>
  );
}

/** A reconstruction (a skeleton until it is done) and the rank it gives the seen image, beside chance. */
function RunCell({ run, kind, imageId }: { run: RunState | undefined; kind: string; imageId: string }) {
  const result = run?.result;
  const rank = run?.resemblance;
  const state =
    run?.status === 'running'
      ? run.steps > 0
        ? `step ${run.step} of ${run.steps}`
        : 'waiting…'
      : run?.status === 'failed'
        ? `failed: ${run.error}`
        : run?.status === 'cancelled'
          ? 'cancelled'
          : !run
            ? 'queued'
            : !rank
              ? 'ranking…'
              : '';
  return (
    <>
      {result ? (
        <TensorImage
          data={result.images}
          size={result.size}
          index={result.best}
          alt={`${kind.toLowerCase()} reconstruction of ${imageId}`}
        />
      ) : (
        <div className="gallery-picture skeleton" aria-hidden="true" />
      )}
      {rank ? (
        <p className="gallery-rank" data-rank={rank.rank} data-of={rank.of}>
          {/* The spaces between the parts are where a narrow column may break the line. */}
          <strong>#{rank.rank}</strong> <span className="of">of {rank.of}</span>{' '}
          <span className="chance">
            <span className="separator">· </span>chance #{chanceRank(rank.of)}
          </span>
        </p>
      ) : (
        <p className="gallery-rank pending">{state}</p>
      )}
    </>
  );
}

function lowLevelCell(run: RunState | undefined) {
  const result = run?.result;
  if (!result?.blurry) return null;
  return { src: tensorToDataUrl(result.blurry, result.size) };
}

/** One sentence: how often each model ranked the seen image higher, and their median ranks against chance. */
function summaryText(summary: GallerySummary, pair: ModelPair): string {
  const { compared, sharedBetter, singleBetter, medianShared, medianSingle, of } = summary;
  if (of === null) return 'The ranks appear as the rows are decoded.';
  const chance = `chance #${chanceRank(of)} of ${of}`;
  if (!pair.shared || !pair.single) {
    const median = medianShared ?? medianSingle;
    return `Median rank of the seen image: #${rankText(median!)} (${chance}).`;
  }
  if (compared === 0) return `The comparison appears once both models have ranked a row (${chance}).`;
  return `Over ${compared} image${compared === 1 ? '' : 's'}: shared-subject ranks the seen image higher in ${sharedBetter}, single-subject in ${singleBetter}; median rank: shared-subject #${rankText(medianShared!)}, single-subject #${rankText(medianSingle!)} (${chance}).`;
}

/** A median of an even count can fall between two ranks. */
function rankText(rank: number): string {
  return Number.isInteger(rank) ? String(rank) : rank.toFixed(1);
}
