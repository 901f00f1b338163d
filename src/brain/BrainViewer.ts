// The one owner of a NiiVue canvas: it creates the canvas, the Niivue instance and their listeners,
// holds the three volumes (anatomy, ROI labels, activity), and `dispose()` releases all of it, the
// WebGL context included (React's StrictMode mounts twice; a context left alive leaks a GPU slot).
// It keeps the wanted display state itself, so callers may set it in any order, before or after a
// subject's volumes have loaded. Everything it does not need NiiVue for lives in the pure modules.
import { Niivue, NVImage, SLICE_TYPE } from '@niivue/niivue';
import { errorText } from '../data/bundleSource';
import {
  activityCalibration,
  DEFAULT_ACTIVITY_DISPLAY,
  DEFAULT_ROI_DISPLAY,
  outlineLut,
  type ActivityDisplay,
  type BrainView,
  type LabelLut,
  type RoiDisplay,
} from './display';
import { BrainFileError, type BundleFile, type SubjectBrain } from './subjectBrain';

const SLICE_TYPES: Record<BrainView, SLICE_TYPE> = {
  multiplanar: SLICE_TYPE.MULTIPLANAR,
  axial: SLICE_TYPE.AXIAL,
  coronal: SLICE_TYPE.CORONAL,
  sagittal: SLICE_TYPE.SAGITTAL,
  render: SLICE_TYPE.RENDER,
};

/** Keys that move the crosshair one voxel (x right, y anterior, z superior), or turn the 3D render. */
const KEY_STEPS: Record<string, [number, number, number]> = {
  ArrowLeft: [-1, 0, 0],
  ArrowRight: [1, 0, 0],
  ArrowUp: [0, 1, 0],
  ArrowDown: [0, -1, 0],
  PageUp: [0, 0, 1],
  PageDown: [0, 0, -1],
};
const RENDER_DEGREES_PER_KEY = 5;

// NIfTI's intent code for label volumes: NiiVue draws ROI outlines only for volumes that carry it.
const NIFTI_INTENT_LABEL = 1002;

export interface BrainViewerOptions {
  /** The canvas's accessible name. */
  label: string;
  /** The id of an element that tells keyboard users which keys move the crosshair. */
  describedBy?: string;
  /** The crosshair's world position (mm), after every click or key that moves it. */
  onLocation: (mm: [number, number, number]) => void;
}

interface Volumes {
  anatomy: NVImage;
  roi: NVImage;
  activity: NVImage;
}

export class BrainViewer {
  readonly canvas: HTMLCanvasElement;
  /** Resolves once NiiVue holds the canvas's WebGL2 context; rejects when it cannot have one. */
  readonly ready: Promise<void>;
  private readonly nv: Niivue;
  private readonly listeners = new AbortController();
  private volumes: Volumes | null = null;
  /** Counts show() calls, so that a subject still loading when the next is asked for is dropped. */
  private generation = 0;
  private disposed = false;
  private activity: Float32Array | null = null;
  private activityDisplay: ActivityDisplay = DEFAULT_ACTIVITY_DISPLAY;
  private roiDisplay: RoiDisplay = DEFAULT_ROI_DISPLAY;
  /** The subject's label colours, filled and as outlines (one neutral colour). */
  private labels: { regions: LabelLut; outlines: LabelLut } | null = null;
  private view: BrainView = 'multiplanar';

  /** Whether this browser can give a canvas a WebGL2 context (asked of a throwaway canvas). */
  static isSupported(document: Document): boolean {
    const gl = document.createElement('canvas').getContext('webgl2');
    gl?.getExtension('WEBGL_lose_context')?.loseContext();
    return gl !== null;
  }

  constructor(container: HTMLElement, options: BrainViewerOptions) {
    const canvas = container.ownerDocument.createElement('canvas');
    // An interactive picture with its own keys: "application" lets screen readers pass the keys through.
    canvas.setAttribute('role', 'application');
    canvas.setAttribute('aria-label', options.label);
    if (options.describedBy) canvas.setAttribute('aria-describedby', options.describedBy);
    canvas.dataset.testid = 'brain-canvas';
    canvas.tabIndex = 0;
    container.append(canvas);
    this.canvas = canvas;

    this.nv = new Niivue({
      backColor: [0, 0, 0, 1],
      // The page draws the colour bar beside the canvas (BrainPanel): NiiVue's own covers the slices.
      isColorbar: false,
      show3Dcrosshair: true,
      // Voxels are the unit of the data: show them as they are, so what is seen is what is clicked.
      isNearestInterpolation: true,
      // Bundles are data only; a dropped file would replace the subject's volumes behind the app's back.
      dragAndDropEnabled: false,
      logLevel: 'warn',
    });
    const signal = this.listeners.signal;
    this.nv.addEventListener(
      'locationChange',
      (event) => {
        const mm = worldPosition(event.detail);
        if (mm) options.onLocation(mm);
      },
      { signal },
    );
    canvas.addEventListener('keydown', (event) => this.onKey(event), { signal });
    this.ready = this.nv.attachToCanvas(canvas).then(() => {
      this.nv.setSliceType(SLICE_TYPES[this.view]);
    });
  }

  /**
   * Shows a subject (replacing the one shown) or nothing. The activity volume is made on the ROI's
   * grid, which loadSubjectBrain has checked is the anatomy's; throws a BrainFileError when NiiVue
   * cannot read a file.
   */
  async show(brain: SubjectBrain | null, lut: LabelLut): Promise<void> {
    const generation = ++this.generation;
    await this.ready;
    if (generation !== this.generation || this.disposed) return;
    if (!brain) {
      this.removeVolumes();
      return;
    }
    // A float32 NIfTI with the ROI's dims, voxel size and affine (as its sform): NiiVue then places
    // every painted voxel exactly on the ROI voxel it came from.
    const { dims, pixDims, affine } = brain.roi.volume;
    const empty = NVImage.createNiftiArray(
      [...dims],
      [...pixDims],
      affine.flat(),
      16, // DT_FLOAT32
      new Float32Array(dims[0] * dims[1] * dims[2]),
    );
    const [anatomy, roi, activity] = await Promise.all([
      loadImage(brain.anatomy),
      loadImage(brain.roi),
      loadImage({ path: 'activity.nii', bytes: empty }),
    ]);
    if (generation !== this.generation || this.disposed) return;
    this.removeVolumes();

    for (const image of [anatomy, roi]) image.colorbarVisible = false;
    this.labels = { regions: lut, outlines: outlineLut(lut) };
    roi.hdr!.intent_code = NIFTI_INTENT_LABEL;
    this.volumes = { anatomy, roi, activity };
    // Display settings first, drawn by the adds: each addVolume re-renders every layer, and each
    // setting applied after them re-rendered all three again (4 s on a software GL, SwiftShader).
    this.applyActivity(false);
    this.applyRoiDisplay(false);
    this.nv.addVolume(anatomy);
    this.nv.addVolume(roi);
    this.nv.addVolume(activity);
  }

  /** The activity in the ROI's grid, in storage order (see voxelMask.vectorToVolume); null hides it. */
  setActivity(volume: Float32Array | null): void {
    this.activity = volume;
    this.applyActivity();
  }

  setActivityDisplay(display: ActivityDisplay): void {
    this.activityDisplay = display;
    this.applyActivity();
  }

  setRoiDisplay(display: RoiDisplay): void {
    this.roiDisplay = display;
    this.applyRoiDisplay();
  }

  setView(view: BrainView): void {
    this.view = view;
    if (this.nv._gl) this.nv.setSliceType(SLICE_TYPES[view]);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.listeners.abort();
    this.nv.cleanup();
    // Give the context back now rather than when the canvas is collected: browsers cap live contexts.
    this.nv._gl?.getExtension('WEBGL_lose_context')?.loseContext();
    this.canvas.width = 0;
    this.canvas.height = 0;
    this.canvas.remove();
  }

  /** `render`: re-render the volumes now (false while they are being added, which renders them). */
  private applyActivity(render = true): void {
    const activity = this.volumes?.activity;
    if (!activity || this.disposed) return;
    const img = activity.img as Float32Array;
    // Another grid: the activity is already the next subject's, whose volumes are still loading;
    // show() applies it once they are in.
    const volume = this.activity?.length === img.length ? this.activity : null;
    if (volume) img.set(volume);
    else img.fill(0);
    // NiiVue's colormap setter recomputes cal_min/cal_max from the data, so it goes first, and only
    // when the map changes (it scans every voxel).
    if (activity.colormap !== this.activityDisplay.positive) activity.colormap = this.activityDisplay.positive;
    const { calMin, calMax, colormapNegative } = activityCalibration(this.activityDisplay);
    activity.cal_min = calMin;
    activity.cal_max = calMax;
    activity.colormapNegative = colormapNegative;
    activity.opacity = volume ? this.activityDisplay.opacity : 0;
    activity.colorbarVisible = volume !== null;
    if (render) this.nv.updateGLVolume();
  }

  /** A NiiVue colour map's control points (R, G, B at intensities I, 0-255), to draw its colour bar. */
  colormap(name: string): { R: number[]; G: number[]; B: number[]; I: number[] } {
    return this.nv.colormapFromKey(name);
  }

  private applyRoiDisplay(render = true): void {
    const roi = this.volumes?.roi;
    if (!roi || this.disposed) return;
    const { visible, outline, opacity } = this.roiDisplay;
    if (this.labels) roi.setColormapLabel(outline ? this.labels.outlines : this.labels.regions);
    // NiiVue's label shader paints region borders at the outline's alpha whatever the volume's
    // opacity: hiding the regions takes both to 0, and "outlines only" leaves the inside unpainted.
    roi.opacity = visible && !outline ? opacity : 0;
    const outlineAlpha = visible && outline ? opacity : 0;
    // setAtlasOutline re-renders the volumes (updateGLVolume), so the new opacity is drawn too.
    if (render) this.nv.setAtlasOutline(outlineAlpha);
    else this.nv.opts.atlasOutline = outlineAlpha;
  }

  private removeVolumes(): void {
    if (!this.volumes) return;
    const { anatomy, roi, activity } = this.volumes;
    this.volumes = null;
    for (const image of [activity, roi, anatomy]) this.nv.removeVolume(image);
  }

  private onKey(event: KeyboardEvent): void {
    const step = KEY_STEPS[event.key];
    if (!step || !this.volumes) return;
    event.preventDefault();
    if (this.view === 'render') {
      const { renderAzimuth, renderElevation } = this.nv.scene;
      this.nv.setRenderAzimuthElevation(
        renderAzimuth + RENDER_DEGREES_PER_KEY * step[0],
        renderElevation + RENDER_DEGREES_PER_KEY * (step[1] + step[2]),
      );
    } else {
      this.nv.moveCrosshairInVox(...step);
    }
  }
}

async function loadImage(file: BundleFile): Promise<NVImage> {
  try {
    // The name's extension tells NiiVue the format; the bytes are never fetched again.
    return await NVImage.loadFromUrl({ url: file.bytes, name: file.path.split('/').pop() ?? file.path });
  } catch (error) {
    throw new BrainFileError(file.path, `NiiVue could not read it: ${errorText(error)}`);
  }
}

/** NiiVue types the locationChange detail as unknown; its `mm` is the crosshair in world millimetres. */
function worldPosition(detail: unknown): [number, number, number] | null {
  const mm = (detail as { mm?: ArrayLike<number> } | null)?.mm;
  if (!mm || mm.length < 3) return null;
  const [x, y, z] = [mm[0]!, mm[1]!, mm[2]!];
  return [x, y, z].every(Number.isFinite) ? [x, y, z] : null;
}
