// What is known about the voxel under the crosshair: its region, its place in the voxel vector, its
// value in the selected trial, and on synthetic data the encoding model's truth about it (its pRF
// drawn over the stimulus, its category tuning).
import { useState } from 'react';
import { prfCircle, voxelTuning, type Prf, type VoxelTuning } from '../brain/prf';
import type { EncodingTable, SubjectBrain } from '../brain/subjectBrain';
import { storageIndex, type Voxel } from '../brain/voxelMask';
import type { SubjectJson } from '../data/datasetSchema';
import type { Loading } from './useLoad';

interface Props {
  subject: SubjectJson;
  brain: SubjectBrain;
  /** The voxel under the crosshair; null when the crosshair is outside the grid. */
  voxel: Voxel | null;
  /** The crosshair in world millimetres. */
  mm: [number, number, number];
  /** The activity vector, when one is shown. */
  activity: Float32Array | null;
  activityLabel?: string;
  /** null for subjects without an encoding. */
  encoding: Loading<EncodingTable> | null;
  stimulusUrl: string | null;
  stimulusDeg: number;
}

export function BrainVoxelInfo({
  subject,
  brain,
  voxel,
  mm,
  activity,
  activityLabel,
  encoding,
  stimulusUrl,
  stimulusDeg,
}: Props) {
  if (!voxel) return <p>The crosshair is outside the volume.</p>;
  const index = storageIndex(voxel, brain.mask.dims);
  const label = brain.roi.volume.value(index);
  const region = subject.roiLabels[String(label)];
  const position = brain.mask.positions[index]!;
  const inMask = position >= 0;
  const row = encoding?.status === 'ready' && inMask ? encodingRow(encoding.value, position) : null;

  return (
    <>
      <h4>
        {mm.map((v) => v.toFixed(1)).join(', ')} mm{region ? ` in ${region}` : ''}
        {inMask && activity && ` = ${activity[position]!.toFixed(2)}`}
      </h4>
      <dl className="brain-facts">
        <dt>Voxel</dt>
        <dd>({voxel.join(', ')}) of the volume grid</dd>
        <dt>Region</dt>
        <dd>{region ? `${region} (label ${label})` : label === 0 ? 'none (label 0)' : `unnamed label ${label}`}</dd>
        <dt>Voxel vector</dt>
        <dd>
          {inMask
            ? `entry ${position.toLocaleString('en')} of ${brain.mask.indices.length.toLocaleString('en')}`
            : `outside the mask (labels ${subject.maskLabels.join(', ')}): this voxel is not part of the vector, so it has no activity or encoding`}
        </dd>
        {inMask && (
          <>
            <dt>Activity</dt>
            <dd>
              {activity ? (
                <>
                  <strong>{activity[position]!.toFixed(2)}</strong>
                  {activityLabel && ` (${activityLabel})`}
                </>
              ) : (
                'no trial selected'
              )}
            </dd>
          </>
        )}
      </dl>
      {inMask && encoding?.status === 'loading' && <p className="status">Reading the encoding model…</p>}
      {inMask && encoding?.status === 'failed' && (
        <p className="brain-problems" role="alert">
          {encoding.message}
        </p>
      )}
      {row && (
        <Tuning tuning={voxelTuning(row.columns, row.values)} stimulusUrl={stimulusUrl} stimulusDeg={stimulusDeg} />
      )}
    </>
  );
}

function encodingRow(table: EncodingTable, position: number) {
  const width = table.columns.length;
  return { columns: table.columns, values: table.values.subarray(position * width, (position + 1) * width) };
}

function Tuning({
  tuning,
  stimulusUrl,
  stimulusDeg,
}: {
  tuning: VoxelTuning;
  stimulusUrl: string | null;
  stimulusDeg: number;
}) {
  // Weights that would read 0.000 say nothing; a V1 voxel has a row of them.
  const weighted = tuning.categories.filter((c) => Math.abs(c.weight) >= 5e-4);
  const unweighted = tuning.categories.length - weighted.length;
  const strongest = Math.max(1e-9, ...weighted.map((c) => Math.abs(c.weight)));
  return (
    <div className="brain-tuning">
      <p className="brain-muted">Ground truth of the simulation (the encoding model that generated these data):</p>
      {tuning.prf === null && (
        <p>No pRF: this voxel’s response does not depend on where things are in the image (prf_sigma = 0).</p>
      )}
      {tuning.prf && <PrfFigure prf={tuning.prf} stimulusUrl={stimulusUrl} stimulusDeg={stimulusDeg} />}
      {tuning.categories.length > 0 && weighted.length === 0 && (
        <p>No category tuning: all {tuning.categories.length} category weights are 0.</p>
      )}
      {weighted.length > 0 && (
        <figure className="brain-categories">
          <figcaption>
            Category tuning (weights, strongest first)
            {unweighted > 0 && `; ${unweighted} categories at 0 not listed`}
          </figcaption>
          <ul>
            {weighted.map(({ category, weight }) => (
              <li key={category}>
                <span className="brain-category-name">{category}</span>
                <span className="brain-bar" aria-hidden>
                  <span
                    className={weight < 0 ? 'negative' : 'positive'}
                    style={{ width: `${(50 * Math.abs(weight)) / strongest}%` }}
                  />
                </span>
                <span className="brain-category-weight">{weight.toFixed(3)}</span>
              </li>
            ))}
          </ul>
        </figure>
      )}
    </div>
  );
}

/** The pRF's 1-sigma circle over the stimulus (or over an empty frame of the stimulus's size). */
export function PrfFigure({
  prf,
  stimulusUrl,
  stimulusDeg,
}: {
  prf: Prf;
  stimulusUrl: string | null;
  stimulusDeg: number;
}) {
  // The stimulus's own pixels, once it has loaded; a square until then (stimuli are square in the format).
  const [size, setSize] = useState<[number, number]>([100, 100]);
  const [width, height] = stimulusUrl ? size : [100, 100];
  const circle = prfCircle(prf, stimulusDeg, width, height);
  const tick = width / 40;
  const caption =
    `pRF centre (${degrees(prf.x)}, ${degrees(prf.y)}), σ = ${degrees(prf.sigma)}; ` +
    `the stimulus spans ${stimulusDeg}°, fixation at its centre`;
  return (
    <figure className="brain-prf">
      <div className="brain-prf-frame">
        {stimulusUrl && (
          <img
            src={stimulusUrl}
            alt="the stimulus of this trial"
            crossOrigin="anonymous"
            onLoad={(e) => setSize([e.currentTarget.naturalWidth, e.currentTarget.naturalHeight])}
          />
        )}
        <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={caption}>
          <path
            className="brain-prf-fixation"
            d={`M${width / 2 - tick} ${height / 2}h${2 * tick}M${width / 2} ${height / 2 - tick}v${2 * tick}`}
          />
          {/* A light halo under a dark line: visible over any stimulus. */}
          <circle className="brain-prf-halo" cx={circle.cx} cy={circle.cy} r={circle.r} />
          <circle className="brain-prf-circle" cx={circle.cx} cy={circle.cy} r={circle.r} />
          <circle className="brain-prf-centre" cx={circle.cx} cy={circle.cy} r={tick / 2} />
        </svg>
      </div>
      <figcaption>{caption}</figcaption>
    </figure>
  );
}

/** "-0.00°" would read as a sign that is not there. */
function degrees(value: number): string {
  return `${(Math.abs(value) < 0.005 ? 0 : value).toFixed(2)}°`;
}
