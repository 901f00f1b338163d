// The brain view: a subject's anatomy with its ROIs and the selected trial's activity in NiiVue, the
// controls of how they are painted, and what is known about the voxel under the crosshair. NiiVue
// itself stays inside BrainViewer (src/brain); this component only creates, feeds and disposes it.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { BrainViewer } from '../brain/BrainViewer';
import {
  activityCalibration,
  activitySliderMax,
  BRAIN_VIEWS,
  colormapGradient,
  DEFAULT_ACTIVITY_DISPLAY,
  DEFAULT_ROI_DISPLAY,
  NEGATIVE_COLORMAPS,
  POSITIVE_COLORMAPS,
  roiLegend,
  roiLut,
  type ActivityDisplay,
  type BrainView,
  type RoiDisplay,
} from '../brain/display';
import { voxelAtWorld } from '../brain/grid';
import { measureSinceChosen, timed, TRIAL_TIMING } from '../brain/paintTiming';
import { loadEncoding, loadSubjectBrain, type SubjectBrain } from '../brain/subjectBrain';
import { vectorToVolume } from '../brain/voxelMask';
import { errorText, type BundleSource } from '../data/bundleSource';
import type { DatasetJson } from '../data/datasetSchema';
import './brain.css';
import { BrainVoxelInfo } from './BrainVoxelInfo';
import { useLoad } from './useLoad';

export interface BrainPanelProps {
  source: BundleSource; // the dataset bundle (src/data/bundleSource.ts), files read by relative path
  dataset: DatasetJson; // validated dataset.json (src/data/datasetSchema.ts)
  subjectId: string;
  /** The activity to paint, one value per masked voxel in the subject's voxelOrder ([V_s]); null = none selected. */
  activity: Float32Array | null;
  /** Label for the activity, e.g. "test-0012, trial 2 of 3" — shown in the panel. */
  activityLabel?: string;
  /** URL (object URL or relative) of the stimulus the activity belongs to, for drawing a clicked voxel's receptive field over it. */
  stimulusUrl?: string | null;
  /**
   * Whether to start NiiVue and read the subject's volumes now: their first render is heavy on a
   * CPU-only machine, so the caller may hold them back. The panel keeps its size meanwhile.
   */
  active: boolean;
}

const CANVAS_LABEL = 'Brain viewer: anatomy, regions of interest and activity';

export function BrainPanel({
  source,
  dataset,
  subjectId,
  activity,
  activityLabel,
  stimulusUrl = null,
  active,
}: BrainPanelProps) {
  const id = useId();
  const subject = dataset.subjects.find((s) => s.id === subjectId);
  const legend = useMemo(() => (subject ? roiLegend(subject.roiLabels, subject.maskLabels) : []), [subject]);
  const lut = useMemo(() => roiLut(legend), [legend]);

  const brainLoad = useMemo(
    () => (subject && active ? (signal: AbortSignal) => loadSubjectBrain(source, subject, signal) : null),
    [source, subject, active],
  );
  const brainState = useLoad(brainLoad);
  const brain = brainState?.status === 'ready' ? brainState.value : null;

  const [view, setView] = useState<BrainView>('multiplanar');
  const [display, setDisplay] = useState<ActivityDisplay>(DEFAULT_ACTIVITY_DISPLAY);
  const [roiDisplay, setRoiDisplay] = useState<RoiDisplay>(DEFAULT_ROI_DISPLAY);
  // The crosshair as NiiVue last reported it, with the subject it was reported on.
  const [location, setLocation] = useState<{ brain: SubjectBrain | null; mm: [number, number, number] } | null>(null);

  const {
    viewer,
    problem: viewerProblem,
    webgl2,
    hostRef,
  } = useBrainViewer(`${id}-keys`, active, (mm) => setLocation({ brain, mm }));

  const [showProblem, setShowProblem] = useState<{ brain: SubjectBrain | null; message: string } | null>(null);
  useEffect(() => {
    if (!viewer) return;
    viewer.show(brain, lut).catch((error: unknown) => setShowProblem({ brain, message: errorText(error) }));
  }, [viewer, brain, lut]);

  const painted = useMemo(() => {
    if (!brain || !activity) return { volume: null, problem: null };
    const voxels = brain.mask.indices.length;
    if (activity.length !== voxels) {
      return {
        volume: null,
        problem: `The activity has ${activity.length} values, but ${brain.subjectId} has ${voxels} mask voxels: it is not shown.`,
      };
    }
    return { volume: timed(TRIAL_TIMING.paint, () => vectorToVolume(activity, brain.mask)), problem: null };
  }, [brain, activity]);
  useEffect(() => {
    if (!viewer) return;
    timed(TRIAL_TIMING.draw, () => viewer.setActivity(painted.volume));
    if (painted.volume) measureSinceChosen(TRIAL_TIMING.shown);
  }, [viewer, painted]);
  useEffect(() => viewer?.setActivityDisplay(display), [viewer, display]);
  useEffect(() => viewer?.setRoiDisplay(roiDisplay), [viewer, roiDisplay]);
  useEffect(() => viewer?.setView(view), [viewer, view]);

  const crosshair = brain && location?.brain === brain ? location.mm : null;
  const voxel =
    brain && crosshair ? voxelAtWorld(brain.roi.volume.affine, brain.roi.volume.dims, crosshair) : undefined;
  // The encoding is read on the first click (most visits never look at a voxel), and kept for the next ones.
  const picked = voxel !== undefined;
  const encodingLoad = useMemo(
    () => (subject?.encoding && picked ? (signal: AbortSignal) => loadEncoding(source, subject, signal) : null),
    [source, subject, picked],
  );
  const encoding = useLoad(encodingLoad);

  const problems = [
    !subject && `There is no subject "${subjectId}" in dataset.json.`,
    !webgl2 && 'The brain view needs WebGL2, which this browser does not provide (or has turned off).',
    viewerProblem,
    brainState?.status === 'failed' && brainState.message,
    showProblem && showProblem.brain === brain && showProblem.message,
    painted.problem,
  ].filter((p): p is string => typeof p === 'string');
  const sliderMax = activitySliderMax(activity);
  const field = (name: string) => `${id}-${name}`;

  return (
    <section className="brain-panel" aria-labelledby={field('title')}>
      <h3 id={field('title')}>Brain: {subjectId}</h3>
      <p className="brain-activity-label">
        {painted.volume ? (activityLabel ?? 'Activity') : 'No trial selected: anatomy and regions of interest only.'}
      </p>
      {problems.length > 0 && (
        <ul className="brain-problems" role="alert">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
      <div className="brain-layout">
        <div className="brain-view">
          <div className="brain-viewport">
            <div className="brain-canvas-host" ref={hostRef} />
            {!brain && brainState?.status !== 'failed' && (
              <p className="brain-waiting">
                {active
                  ? `Loading the anatomy and regions of ${subjectId}…`
                  : 'The brain view opens after the first reconstruction…'}
              </p>
            )}
          </div>
          {viewer && painted.volume && <ColourBar viewer={viewer} display={display} />}
        </div>
        <form className="brain-controls" onSubmit={(event) => event.preventDefault()}>
          <fieldset>
            <legend>View</legend>
            {BRAIN_VIEWS.map((option) => (
              <label key={option.view} className="brain-choice">
                <input
                  type="radio"
                  name={field('view')}
                  value={option.view}
                  checked={view === option.view}
                  onChange={() => setView(option.view)}
                />
                {option.label}
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>Activity</legend>
            <Slider
              id={field('threshold')}
              label="Threshold |value| >"
              min={0}
              max={sliderMax}
              value={display.threshold}
              format={(v) => v.toFixed(2)}
              onChange={(threshold) => setDisplay({ ...display, threshold })}
            />
            <Slider
              id={field('max')}
              label="Colours saturate at"
              min={0.05}
              max={sliderMax}
              value={display.max}
              format={(v) => v.toFixed(2)}
              onChange={(max) => setDisplay({ ...display, max })}
            />
            <Slider
              id={field('opacity')}
              label="Opacity"
              min={0}
              max={1}
              value={display.opacity}
              format={(v) => `${Math.round(v * 100)}%`}
              onChange={(opacity) => setDisplay({ ...display, opacity })}
            />
            <div className="brain-select">
              <label htmlFor={field('positive')}>Above zero</label>
              <select
                id={field('positive')}
                value={display.positive}
                onChange={(e) => setDisplay({ ...display, positive: e.target.value as ActivityDisplay['positive'] })}
              >
                {POSITIVE_COLORMAPS.map((name) => (
                  <option key={name}>{name}</option>
                ))}
              </select>
            </div>
            <div className="brain-select">
              <label htmlFor={field('negative')}>Below zero</label>
              <select
                id={field('negative')}
                value={display.negative ?? ''}
                onChange={(e) =>
                  setDisplay({ ...display, negative: (e.target.value || null) as ActivityDisplay['negative'] })
                }
              >
                <option value="">not shown</option>
                {NEGATIVE_COLORMAPS.map((name) => (
                  <option key={name}>{name}</option>
                ))}
              </select>
            </div>
          </fieldset>
          <fieldset>
            <legend>Regions of interest</legend>
            <label className="brain-choice">
              <input
                type="checkbox"
                checked={roiDisplay.visible}
                onChange={(e) => setRoiDisplay({ ...roiDisplay, visible: e.target.checked })}
              />
              Show regions
            </label>
            <label className="brain-choice">
              <input
                type="checkbox"
                checked={roiDisplay.outline}
                disabled={!roiDisplay.visible}
                onChange={(e) => setRoiDisplay({ ...roiDisplay, outline: e.target.checked })}
              />
              Outlines only
            </label>
            {roiDisplay.visible && roiDisplay.outline && (
              <p className="brain-muted">Outlines are drawn in grey; filled regions take these colours.</p>
            )}
            <ul className="brain-legend" aria-label="ROI colours">
              {legend.map((entry) => (
                <li key={entry.value}>
                  <span className="brain-swatch" style={{ background: `rgb(${entry.rgb.join(' ')})` }} aria-hidden />
                  {entry.name}
                  {!entry.inMask && <span className="brain-muted"> (not in the voxel vector)</span>}
                </li>
              ))}
            </ul>
          </fieldset>
        </form>
      </div>
      <p id={`${id}-keys`} className="brain-hint">
        Click a voxel, or focus the view and move the crosshair with the arrow keys (left/right, back/front) and Page
        Up/Down (down/up); in 3D, the arrow keys turn the brain.
      </p>
      <section
        className="brain-voxel-info"
        data-testid="brain-voxel-info"
        aria-live="polite"
        aria-label="Selected voxel"
      >
        {brain && subject && crosshair && voxel !== undefined ? (
          <BrainVoxelInfo
            subject={subject}
            brain={brain}
            voxel={voxel}
            mm={crosshair}
            activity={painted.volume ? activity : null}
            activityLabel={activityLabel}
            encoding={encoding}
            stimulusUrl={stimulusUrl}
            stimulusDeg={dataset.stimulusDeg}
          />
        ) : (
          <p className="brain-muted">Click the brain to see a voxel’s region, activity and tuning.</p>
        )}
      </section>
    </section>
  );
}

/** The activity's colour scale, under the slices rather than over them: -max … -threshold | threshold … max. */
function ColourBar({ viewer, display }: { viewer: BrainViewer; display: ActivityDisplay }) {
  const { calMin, calMax } = activityCalibration(display);
  const [low, high] = [calMin.toFixed(1), calMax.toFixed(1)];
  const negative = display.negative && colormapGradient(viewer.colormap(display.negative), true);
  const label =
    `Colour scale: ${low} to ${high} in ${display.positive}` +
    (display.negative ? `, −${low} to −${high} in ${display.negative}` : '') +
    `; values within ±${low} are not painted`;
  return (
    <div className="brain-colorbar" role="img" aria-label={label}>
      {negative && (
        <>
          <span>−{high}</span>
          <span className="brain-colorbar-ramp" style={{ background: negative }} />
          <span>−{low}</span>
        </>
      )}
      <span>{low}</span>
      <span
        className="brain-colorbar-ramp"
        style={{ background: colormapGradient(viewer.colormap(display.positive)) }}
      />
      <span>{high}</span>
    </div>
  );
}

interface SliderProps {
  id: string;
  label: string;
  min: number;
  max: number;
  value: number;
  format: (value: number) => string;
  onChange: (value: number) => void;
}

/** A labelled range input with its value beside it (outside the label, so the name stays short). */
function Slider({ id, label, min, max, value, format, onChange }: SliderProps) {
  return (
    <div className="brain-slider">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="range"
        min={min}
        max={max}
        step={0.05}
        value={value}
        onChange={(e) => onChange(e.target.valueAsNumber)}
      />
      <output htmlFor={id}>{format(value)}</output>
    </div>
  );
}

/**
 * Creates the BrainViewer in the host element once per mount and disposes it on unmount (StrictMode
 * mounts twice: each mount gets its own canvas and context). The viewer is handed out only once
 * NiiVue holds its context.
 */
function useBrainViewer(describedBy: string, active: boolean, onLocation: (mm: [number, number, number]) => void) {
  const hostRef = useRef<HTMLDivElement>(null);
  // In a ref, so that a new callback (every render) never recreates the viewer.
  const onLocationRef = useRef(onLocation);
  useEffect(() => {
    onLocationRef.current = onLocation;
  });
  const [webgl2] = useState(() => BrainViewer.isSupported(document));
  const [viewer, setViewer] = useState<BrainViewer | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    const host = hostRef.current;
    if (!host || !webgl2 || !active) return;
    const instance = new BrainViewer(host, {
      label: CANVAS_LABEL,
      describedBy,
      onLocation: (mm) => onLocationRef.current(mm),
    });
    let live = true;
    instance.ready.then(
      () => live && setViewer(instance),
      (error: unknown) => live && setProblem(`NiiVue could not start: ${errorText(error)}`),
    );
    return () => {
      live = false;
      instance.dispose();
      setViewer(null);
    };
  }, [webgl2, describedBy, active]);
  return { viewer, problem, webgl2, hostRef };
}
