// What the URL holds, so a view can be shared: the dataset and models, the subject, the test image,
// the trial, the brain view, the experiment, the mode (stage or gallery). Pure parse/serialize; the
// store syncs it (selectionStore.ts).
import { formatExperiment, parseExperiment, type Experiment } from '../brain/experiments';
import { inRange, SAMPLER_BOUNDS, type Range } from '../inference/samplerLimits';

export type BrainViewName = 'multiplanar' | 'axial' | 'coronal' | 'sagittal' | 'render';
const VIEWS: readonly BrainViewName[] = ['multiplanar', 'axial', 'coronal', 'sagittal', 'render'];

export interface UrlState {
  dataset: string | null;
  model: string | null;
  /** A second model to compare on the same trial. */
  compare: string | null;
  subject: string | null;
  /** An image id of dataset.json. */
  image: string | null;
  /** 'average' of the repeats, or the 0-based repeat. */
  trial: 'average' | number;
  view: BrainViewName;
  seed: number;
  /** Sampler settings that override the model bundle's own (checked against its limits when run). */
  sampler: {
    priorSteps: number;
    decoderSteps: number;
    cfgScale: number;
    /** null: the decoder starts from pure noise. */
    img2imgStrength: number | null;
    /** The low-level image's share of the shown one; 0: the decoder's alone. */
    blurryBlend: number;
  } | null;
  /** The inference backend asked for: 'auto' uses WebGPU when the browser has it. */
  engine: 'auto' | 'webgpu' | 'wasm';
  /** Presentation mode (`?present`, or `?present=<playlist>`): the playlist; [] is the default one. */
  present: PlaylistEntry[] | null;
  /** Lesson mode: the step shown, from 1 (`?lesson=3`). */
  lesson: number | null;
  /** The experiment run beside the main reconstruction (src/brain/experiments.ts), or none. */
  experiment: Experiment | null;
  /** What the page shows first: the stage (one image), or the gallery (many, both kinds of model). */
  mode: 'stage' | 'gallery';
}

export const DEFAULT_URL_STATE: UrlState = {
  dataset: null,
  model: null,
  compare: null,
  subject: null,
  image: null,
  trial: 'average',
  view: 'multiplanar',
  seed: 0,
  sampler: null,
  engine: 'auto',
  present: null,
  lesson: null,
  experiment: null,
  mode: 'stage',
};

/** Reads a query string; values that do not parse fall back to the defaults. */
export function parseUrlState(search: string): UrlState {
  const params = new URLSearchParams(search);
  const text = (name: string) => params.get(name) || null;
  const trialText = params.get('trial');
  const trialNumber = Number(trialText);
  const trial = trialText && Number.isInteger(trialNumber) && trialNumber >= 1 ? trialNumber - 1 : 'average';
  const view = params.get('view') as BrainViewName | null;
  const seed = Number(params.get('seed'));
  const engine = params.get('engine');
  const lesson = Number(params.get('lesson') ?? NaN);
  return {
    dataset: text('dataset'),
    model: text('model'),
    compare: text('compare'),
    subject: text('subject'),
    image: text('image'),
    trial,
    view: view && VIEWS.includes(view) ? view : 'multiplanar',
    seed: inRange(SAMPLER_BOUNDS.seed, seed) ? seed : 0,
    sampler: parseSampler(params.get('steps'), params.get('cfg'), params.get('i2i'), params.get('blend')),
    engine: engine === 'webgpu' || engine === 'wasm' ? engine : 'auto',
    present: params.has('present') ? parsePlaylist(params.get('present')!) : null,
    lesson: Number.isInteger(lesson) && lesson >= 1 ? lesson : null,
    experiment: parseExperiment(params.get('experiment')),
    mode: params.get('mode') === 'gallery' ? 'gallery' : 'stage',
  };
}

/** The query string for a state; defaults are left out, so a plain link stays plain. Trials count from 1. */
export function serializeUrlState(state: UrlState): string {
  const params = new URLSearchParams();
  const put = (name: string, value: string | null) => {
    if (value !== null) params.set(name, value);
  };
  put('dataset', state.dataset);
  put('model', state.model);
  put('compare', state.compare);
  put('subject', state.subject);
  put('image', state.image);
  if (state.trial !== 'average') params.set('trial', String(state.trial + 1));
  if (state.view !== 'multiplanar') params.set('view', state.view);
  if (state.seed !== 0) params.set('seed', String(state.seed));
  if (state.sampler) {
    params.set('steps', `${state.sampler.priorSteps},${state.sampler.decoderSteps}`);
    params.set('cfg', String(state.sampler.cfgScale));
    params.set('i2i', state.sampler.img2imgStrength === null ? 'off' : String(state.sampler.img2imgStrength));
    params.set('blend', String(state.sampler.blurryBlend));
  }
  if (state.engine !== 'auto') params.set('engine', state.engine);
  if (state.experiment) params.set('experiment', formatExperiment(state.experiment));
  if (state.present) params.set('present', serializePlaylist(state.present));
  if (state.lesson !== null) params.set('lesson', String(state.lesson));
  if (state.mode !== 'stage') params.set('mode', state.mode);
  // `?present` rather than `?present=`; commas and colons as typed (the parser reads both forms).
  const query = params
    .toString()
    .replace(/(^|&)present=(?=&|$)/, '$1present')
    .replace(/%2C/g, ',')
    .replace(/%3A/g, ':');
  return query ? `?${query}` : '';
}

/**
 * `steps=<prior>,<decoder>` and `cfg=<scale>`, both needed, `i2i=<strength in (0,1]>` (absent or
 * `off`: from pure noise) and `blend=<share in [0,1)>` (absent: 0, no blend); anything else, or
 * anything past SAMPLER_BOUNDS (no bundle allows it), means the bundle's defaults. The bundle's own
 * limits are checked when the run starts (checkSettings), once its model.json is known.
 */
function parseSampler(
  steps: string | null,
  cfg: string | null,
  i2i: string | null,
  blend: string | null,
): UrlState['sampler'] {
  const [prior, decoder] = (steps ?? '').split(',').map(Number);
  const cfgScale = Number(cfg);
  const strength = i2i === null || i2i === 'off' ? null : Number(i2i);
  const bounds = SAMPLER_BOUNDS;
  const within = (range: Range, n: number | undefined): n is number => n !== undefined && inRange(range, n);
  if (!within(bounds.priorSteps, prior) || !within(bounds.decoderSteps, decoder)) return null;
  if (!cfg || !within(bounds.cfgScale, cfgScale)) return null;
  if (strength !== null && !within(bounds.img2imgStrength, strength)) return null;
  const blurryBlend = blend === null ? 0 : Number(blend);
  if (!within(bounds.blurryBlend, blurryBlend)) return null;
  return { priorSteps: prior, decoderSteps: decoder, cfgScale, img2imgStrength: strength, blurryBlend };
}

/** One trial of the playlist: an image id of dataset.json, the mean of its repeats or one repeat (0-based). */
export interface PlaylistEntry {
  image: string;
  trial: 'average' | number;
}

/**
 * `present=test-0003,test-0010:2` -> the mean of test-0003's repeats, then trial 2 of test-0010
 * (trials count from 1, as in `trial=`). An empty value means the default playlist; an entry that
 * does not parse (`:0`, `:two`, an empty id) is dropped.
 */
export function parsePlaylist(text: string): PlaylistEntry[] {
  return text.split(',').flatMap((part): PlaylistEntry[] => {
    const [image = '', trialText, ...rest] = part.trim().split(':');
    if (!image || rest.length > 0) return [];
    if (trialText === undefined) return [{ image, trial: 'average' }];
    const trial = Number(trialText);
    return Number.isInteger(trial) && trial >= 1 ? [{ image, trial: trial - 1 }] : [];
  });
}

export function serializePlaylist(entries: readonly PlaylistEntry[]): string {
  return entries.map(({ image, trial }) => (trial === 'average' ? image : `${image}:${trial + 1}`)).join(',');
}
