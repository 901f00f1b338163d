// Every trial of a subject, train and test, as a researcher browses a recording: by session, split or
// image, a page at a time, with each trial's behavioural columns where the bundle has them. Picking a
// row shows that trial (its image and repeat) in the brain view and, with a model, decodes it. The
// trial table is read once per subject; the betas of a row are read only when it is picked.
import { useMemo, useState, type KeyboardEvent } from 'react';
import type { Split, TrialsJson } from '../data/datasetSchema';
import { readTrials } from '../data/subjectBetas';
import type { LoadedDataset } from '../state/datasetStore';
import { useActions, useSelection } from '../state/hooks';
import { imageIndexOf } from '../state/selectionRules';
import {
  ALL_TRIALS,
  filterRows,
  pageOf,
  rowOfSelection,
  selectionOfRow,
  sessionsOf,
  stepRow,
  trialInSession,
  type TrialFilter,
} from './trialBrowsing';
import './trials.css';
import { useLoad } from './useLoad';

export const TRIALS_PER_PAGE = 25;

export function TrialBrowser({ loaded }: { loaded: LoadedDataset }) {
  const { dataset, source } = loaded;
  const subject = useSelection((s) => s.subject);
  const entry = dataset.subjects.find((s) => s.id === subject);
  const load = useMemo(
    () => (subject && entry?.trials ? (signal: AbortSignal) => readTrials(source, dataset, subject, { signal }) : null),
    [source, dataset, subject, entry],
  );
  const trials = useLoad(load);
  if (!subject || !load || !trials) return null;
  return (
    <section className="trial-browser" aria-labelledby="trial-browser-title">
      {trials.status === 'ready' ? (
        <TrialTable key={subject} loaded={loaded} subject={subject} trials={trials.value} />
      ) : (
        <>
          <h3 id="trial-browser-title">Trials of {subject}</h3>
          <p className={trials.status === 'failed' ? 'problems' : 'status'} role="status">
            {trials.status === 'failed' ? trials.message : 'Reading the trial table…'}
          </p>
        </>
      )}
    </section>
  );
}

const SPLITS: Split[] = ['train', 'test'];

function TrialTable({ loaded, subject, trials }: { loaded: LoadedDataset; subject: string; trials: TrialsJson }) {
  const { dataset, source } = loaded;
  const { select } = useActions();
  const image = useSelection((s) => s.image);
  const trial = useSelection((s) => s.trial);
  const [filter, setFilter] = useState<TrialFilter>(ALL_TRIALS);
  const [imageText, setImageText] = useState('');
  const [page, setPage] = useState(0);

  const sessions = useMemo(() => sessionsOf(trials), [trials]);
  const inSession = useMemo(() => trialInSession(trials), [trials]);
  const rows = useMemo(() => filterRows(trials, filter), [trials, filter]);
  const behaviour = useMemo(() => Object.entries(trials.behaviour ?? {}), [trials]);
  const selectedRow = rowOfSelection(dataset, subject, imageIndexOf(dataset, image), trial);

  // The page follows the selected row when it moves (Next trial, a pick elsewhere on the page).
  const [followed, setFollowed] = useState<number | null>(null);
  if (selectedRow !== followed) {
    setFollowed(selectedRow);
    const at = selectedRow === null ? -1 : rows.indexOf(selectedRow);
    if (at >= 0) setPage(Math.floor(at / TRIALS_PER_PAGE));
  }
  const shown = pageOf(rows, page, TRIALS_PER_PAGE);

  const pick = (row: number | null) => {
    const choice = row === null ? null : selectionOfRow(dataset, subject, trials, row);
    if (choice) select(choice);
  };
  const changeFilter = (change: Partial<TrialFilter>) => {
    setFilter({ ...filter, ...change });
    setPage(0);
  };
  const onImageText = (text: string) => {
    setImageText(text);
    const wanted = text.trim().toLowerCase();
    const index = wanted ? dataset.images.findIndex((im) => im.id.toLowerCase() === wanted) : -1;
    changeFilter({ image: wanted ? index : null });
  };
  const onKey = (event: KeyboardEvent) => {
    const delta = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    const pageDelta = { PageDown: 1, PageUp: -1 }[event.key];
    if (delta !== undefined) pick(stepRow(rows, selectedRow, delta));
    else if (pageDelta !== undefined) setPage(shown.page + pageDelta);
    else return;
    event.preventDefault();
  };

  const count = (n: number) => n.toLocaleString('en-US');
  const title = `Trials of ${subject} (${count(trials.image.length)} in ${sessions.length} session${sessions.length === 1 ? '' : 's'})`;
  return (
    <>
      <div className="trial-browser-head">
        <h3 id="trial-browser-title">{title}</h3>
        <label>
          Session{' '}
          <select
            value={filter.session ?? ''}
            onChange={(e) => changeFilter({ session: e.target.value === '' ? null : Number(e.target.value) })}
          >
            <option value="">all</option>
            {sessions.map(({ session, rows: n }) => (
              <option key={session} value={session}>
                {session + 1} ({n} trials)
              </option>
            ))}
          </select>
        </label>
        <label>
          Split{' '}
          <select
            value={filter.split ?? ''}
            onChange={(e) => changeFilter({ split: (e.target.value || null) as Split | null })}
          >
            <option value="">train and test</option>
            {SPLITS.map((split) => (
              <option key={split}>{split}</option>
            ))}
          </select>
        </label>
        <label>
          Image{' '}
          <input
            type="search"
            value={imageText}
            placeholder={dataset.images[0]?.id ?? 'image id'}
            onChange={(e) => onImageText(e.target.value)}
            aria-describedby="trial-browser-count"
          />
        </label>
        <button type="button" onClick={() => pick(stepRow(rows, selectedRow, -1))} disabled={rows.length === 0}>
          ↑ Previous trial
        </button>
        <button type="button" onClick={() => pick(stepRow(rows, selectedRow, 1))} disabled={rows.length === 0}>
          Next trial ↓
        </button>
      </div>
      <p id="trial-browser-count" className="hint">
        {filter.image === -1
          ? `No image is called “${imageText.trim()}”.`
          : `${count(rows.length)} trial${rows.length === 1 ? '' : 's'}` +
            (selectedRow === null
              ? ' · the mean of the image’s repeats is shown; pick a row for one trial.'
              : ` · trial ${count(selectedRow + 1)} shown.`)}{' '}
        ↑ ↓ step through them, Page Up/Down turn the page.
      </p>
      <div className="trial-table" tabIndex={0} onKeyDown={onKey} aria-label="Trials, one row each">
        <table>
          <thead>
            <tr>
              <th scope="col">Trial</th>
              <th scope="col">Session</th>
              <th scope="col" title="The trial's place in its session, from 1">
                In session
              </th>
              <th scope="col">Image</th>
              <th scope="col">Split</th>
              <th scope="col" title="Which showing of the image this is, of how many">
                Repeat
              </th>
              {behaviour.map(([name]) => (
                <th key={name} scope="col" title="behavioural column of trials.json">
                  {name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {[...shown.rows].map((row) => {
              const imageIndex = trials.image[row]!;
              const im = dataset.images[imageIndex];
              const repeats = im?.trials?.[subject]?.length ?? 0;
              return (
                <tr
                  key={row}
                  aria-selected={row === selectedRow}
                  data-row={row}
                  onClick={() => pick(row)}
                  className={row === selectedRow ? 'selected' : undefined}
                >
                  <td>
                    {/* The row's click picks it; the button gives the keyboard a way in. */}
                    <button type="button" className="link" aria-label={`Show trial ${row + 1}`}>
                      {count(row + 1)}
                    </button>
                  </td>
                  <td>{trials.session[row]! + 1}</td>
                  <td>{inSession[row]! + 1}</td>
                  <td className="trial-image">
                    {im && (
                      <img
                        src={source.url(im.file)}
                        alt=""
                        loading="lazy"
                        crossOrigin="anonymous"
                        width={28}
                        height={28}
                      />
                    )}
                    {im?.id ?? imageIndex}
                  </td>
                  <td>{trials.split[row]}</td>
                  <td>
                    {trials.repeat[row]! + 1} of {repeats}
                  </td>
                  {behaviour.map(([name, column]) => (
                    <td key={name}>{formatValue(column[row])}</td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <nav className="trial-pages" aria-label="Pages of trials">
        <button type="button" onClick={() => setPage(0)} disabled={shown.page === 0}>
          First
        </button>
        <button type="button" onClick={() => setPage(shown.page - 1)} disabled={shown.page === 0}>
          Previous page
        </button>
        <label>
          Page{' '}
          <input
            type="number"
            min={1}
            max={shown.pages}
            value={shown.page + 1}
            onChange={(e) => Number.isFinite(e.target.valueAsNumber) && setPage(e.target.valueAsNumber - 1)}
          />{' '}
          of {count(shown.pages)}
        </label>
        <button type="button" onClick={() => setPage(shown.page + 1)} disabled={shown.page >= shown.pages - 1}>
          Next page
        </button>
        <button type="button" onClick={() => setPage(shown.pages - 1)} disabled={shown.page >= shown.pages - 1}>
          Last
        </button>
      </nav>
    </>
  );
}

/** A behavioural value: integers as they are, others to 3 significant digits; null (missing) as a dash. */
function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(3)));
}
