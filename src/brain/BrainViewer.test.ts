// BrainViewer against a stand-in for NiiVue (no WebGL here): what it loads, in which order it sets
// things, what it drops and what it releases. The stand-in copies the NiiVue behaviours that matter:
// its colormap setter recomputes cal_min/cal_max from the data, and volumes arrive asynchronously.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_ACTIVITY_DISPLAY, DEFAULT_ROI_DISPLAY, outlineLut, roiLegend, roiLut } from './display';
import type { SubjectBrain } from './subjectBrain';

class FakeImage {
  hdr = { intent_code: 0 };
  colormapLabel: unknown = null;
  colorbarVisible = true;
  colormapNegative = '';
  opacity = 1;
  cal_min = NaN;
  cal_max = NaN;
  private map = 'gray';
  constructor(
    readonly name: string,
    readonly img: Float32Array,
  ) {}
  get colormap() {
    return this.map;
  }
  set colormap(name: string) {
    this.map = name;
    [this.cal_min, this.cal_max] = [Math.min(...this.img), Math.max(...this.img)];
  }
  setColormapLabel(lut: unknown) {
    this.colormapLabel = lut;
  }
}

const loads: { name: string; release: () => void }[] = [];
const nvs: FakeNiivue[] = [];

class FakeNiivue extends EventTarget {
  volumes: FakeImage[] = [];
  scene = { renderAzimuth: 110, renderElevation: 10 };
  loseContext = vi.fn();
  _gl: unknown = null;
  opts = { atlasOutline: 0 };
  updateGLVolume = vi.fn();
  setAtlasOutline = vi.fn((alpha: number) => {
    this.opts.atlasOutline = alpha;
    this.updateGLVolume();
  });
  setSliceType = vi.fn();
  moveCrosshairInVox = vi.fn();
  setRenderAzimuthElevation = vi.fn();
  cleanup = vi.fn();
  constructor() {
    super();
    nvs.push(this);
  }
  attachToCanvas() {
    this._gl = { getExtension: () => ({ loseContext: this.loseContext }) };
    return Promise.resolve(this);
  }
  addVolume(image: FakeImage) {
    this.volumes.push(image);
  }
  removeVolume(image: FakeImage) {
    this.volumes = this.volumes.filter((v) => v !== image);
  }
  emit(type: string, detail: unknown) {
    this.dispatchEvent(Object.assign(new Event(type), { detail }));
  }
}

vi.mock('@niivue/niivue', () => ({
  Niivue: FakeNiivue,
  SLICE_TYPE: { AXIAL: 0, CORONAL: 1, SAGITTAL: 2, MULTIPLANAR: 3, RENDER: 4 },
  NVImage: {
    createNiftiArray: (dims: number[]) => ({ voxels: dims.reduce((a, b) => a * b, 1) }),
    // Each load waits for the test to release it, so that tests decide when volumes arrive.
    loadFromUrl: ({ url, name }: { url: { voxels?: number }; name: string }) =>
      new Promise<FakeImage>((resolve) => {
        const image = new FakeImage(name, new Float32Array(url.voxels ?? 24));
        loads.push({ name, release: () => resolve(image) });
      }),
  },
}));
const { BrainViewer } = await import('./BrainViewer');

class FakeCanvas extends EventTarget {
  attributes: Record<string, string> = {};
  dataset: Record<string, string> = {};
  tabIndex = -1;
  width = 300;
  height = 150;
  removed = false;
  setAttribute(name: string, value: string) {
    this.attributes[name] = value;
  }
  remove() {
    this.removed = true;
  }
}

const container = {
  ownerDocument: { createElement: () => new FakeCanvas() },
  append: () => undefined,
} as unknown as HTMLElement;

/** A subject on a 4x3x2 grid; only the grid is read by the viewer. */
function brain(id: string): SubjectBrain {
  const volume = {
    dims: [4, 3, 2],
    pixDims: [2, 2, 2],
    affine: [
      [2, 0, 0, 0],
      [0, 2, 0, 0],
      [0, 0, 2, 0],
      [0, 0, 0, 1],
    ],
  };
  return {
    subjectId: id,
    anatomy: { path: `${id}/anatomy.nii.gz`, bytes: new Uint8Array() },
    roi: { path: `${id}/roi.nii.gz`, bytes: new Uint8Array(), volume },
    mask: { dims: [4, 3, 2], indices: new Int32Array(), positions: new Int32Array() },
  } as unknown as SubjectBrain;
}
const LUT = roiLut(roiLegend({ '1': 'V1' }, [1]));

async function releaseLoads() {
  await vi.waitFor(() => expect(loads.length).toBeGreaterThanOrEqual(3));
  for (const load of loads.splice(0)) load.release();
}

let onLocation: ReturnType<typeof vi.fn<(mm: [number, number, number]) => void>>;
let viewer: InstanceType<typeof BrainViewer>;
let nv: FakeNiivue;
beforeEach(async () => {
  onLocation = vi.fn();
  viewer = new BrainViewer(container, { label: 'Brain', describedBy: 'keys', onLocation });
  nv = nvs.at(-1)!;
  await viewer.ready;
});
afterEach(() => {
  viewer.dispose();
  loads.splice(0);
});

describe('BrainViewer', () => {
  it('owns a labelled, focusable canvas with the test id', () => {
    const canvas = viewer.canvas as unknown as FakeCanvas;
    expect(canvas.attributes).toMatchObject({ 'aria-label': 'Brain', 'aria-describedby': 'keys', role: 'application' });
    expect(canvas.dataset.testid).toBe('brain-canvas');
    expect(canvas.tabIndex).toBe(0);
  });

  it('shows anatomy, ROI labels and an activity volume on the ROI grid, the activity hidden until set', async () => {
    const shown = viewer.show(brain('s1'), LUT);
    await releaseLoads();
    await shown;
    const [anatomy, roi, activity] = nv.volumes;
    expect(nv.volumes.map((v) => v.name)).toEqual(['anatomy.nii.gz', 'roi.nii.gz', 'activity.nii']);
    // Outlines only (the default): every region's border in one neutral colour.
    expect(roi!.colormapLabel).toEqual(outlineLut(LUT));
    expect(roi!.hdr.intent_code).toBe(1002); // NiiVue outlines only label volumes
    expect([anatomy!.colorbarVisible, roi!.colorbarVisible]).toEqual([false, false]);
    expect(activity!.img).toHaveLength(24);
    expect(activity!.opacity).toBe(0);
  });

  // NiiVue's label shader paints a region's inside at the volume's opacity and its borders at the
  // atlas outline's alpha, whatever that opacity: what is painted is the pair of them.
  it('hides the regions, their outlines included, when they are switched off', async () => {
    const shown = viewer.show(brain('s1'), LUT);
    await releaseLoads();
    await shown;
    const roi = nv.volumes[1]!;
    const painted = () => ({ inside: roi.opacity, borders: nv.opts.atlasOutline });
    const { opacity } = DEFAULT_ROI_DISPLAY;
    expect(painted(), 'the default: outlines only').toEqual({ inside: 0, borders: opacity });
    // Set before the volumes were added, whose adds draw them: no extra re-render of every layer.
    expect(nv.updateGLVolume).not.toHaveBeenCalled();
    viewer.setRoiDisplay({ ...DEFAULT_ROI_DISPLAY, visible: false });
    expect(painted(), 'regions off').toEqual({ inside: 0, borders: 0 });
    viewer.setRoiDisplay({ ...DEFAULT_ROI_DISPLAY, outline: false });
    expect(painted(), 'filled regions').toEqual({ inside: opacity, borders: 0 });
    expect(roi.colormapLabel, 'filled regions in their legend colours').toBe(LUT);
  });

  it('applies an activity and its display set before the volumes arrived, calibrated after the colour map', async () => {
    const values = Float32Array.from({ length: 24 }, (_, i) => i - 12);
    viewer.setActivity(values);
    viewer.setActivityDisplay({ ...DEFAULT_ACTIVITY_DISPLAY, positive: 'hot', threshold: 0.5, max: 2, opacity: 0.7 });
    const shown = viewer.show(brain('s1'), LUT);
    await releaseLoads();
    await shown;
    const activity = nv.volumes[2]!;
    expect(Array.from(activity.img)).toEqual(Array.from(values));
    expect(activity).toMatchObject({
      colormap: 'hot',
      colormapNegative: 'winter',
      cal_min: 0.5,
      cal_max: 2,
      opacity: 0.7,
    });
    expect(activity.colorbarVisible).toBe(true);

    viewer.setActivity(null);
    expect(activity.opacity).toBe(0);
    expect(activity.img.every((v) => v === 0)).toBe(true);
  });

  it('hides an activity made for another grid rather than painting it', async () => {
    const shown = viewer.show(brain('s1'), LUT);
    await releaseLoads();
    await shown;
    viewer.setActivity(new Float32Array(25).fill(1));
    expect(nv.volumes[2]!.opacity).toBe(0);
  });

  it('drops a subject that a later show() replaced while it loaded', async () => {
    const first = viewer.show(brain('old'), LUT);
    await vi.waitFor(() => expect(loads).toHaveLength(3));
    const old = loads.splice(0);
    const second = viewer.show(brain('new'), LUT);
    await releaseLoads();
    await second;
    old.forEach((load) => load.release());
    await first;
    expect(nv.volumes).toHaveLength(3);

    await viewer.show(null, LUT);
    expect(nv.volumes).toEqual([]);
  });

  it('reports the crosshair in world mm, and moves it (or turns the 3D view) with keys', async () => {
    nv.emit('locationChange', { mm: Float32Array.from([1, -2, 3.5, 1]) });
    expect(onLocation).toHaveBeenCalledWith([1, -2, 3.5]);
    nv.emit('locationChange', { mm: [NaN, 0, 0] });
    expect(onLocation).toHaveBeenCalledTimes(1);

    const key = (name: string) => {
      const event = Object.assign(new Event('keydown', { cancelable: true }), { key: name });
      viewer.canvas.dispatchEvent(event);
      return event.defaultPrevented;
    };
    expect(key('ArrowRight')).toBe(false); // nothing shown yet: the key is left to the page
    const shown = viewer.show(brain('s1'), LUT);
    await releaseLoads();
    await shown;
    expect(key('ArrowRight')).toBe(true);
    expect(key('PageDown')).toBe(true);
    expect(nv.moveCrosshairInVox.mock.calls).toEqual([
      [1, 0, 0],
      [0, 0, -1],
    ]);
    expect(key('a')).toBe(false);
    viewer.setView('render');
    expect(nv.setSliceType).toHaveBeenLastCalledWith(4);
    key('ArrowLeft');
    expect(nv.setRenderAzimuthElevation).toHaveBeenCalledWith(105, 10);
  });

  it('dispose() releases the listeners, NiiVue, the WebGL context and the canvas', () => {
    viewer.dispose();
    const canvas = viewer.canvas as unknown as FakeCanvas;
    expect(nv.cleanup).toHaveBeenCalled();
    expect(nv.loseContext).toHaveBeenCalled();
    expect([canvas.removed, canvas.width, canvas.height]).toEqual([true, 0, 0]);
    nv.emit('locationChange', { mm: [1, 2, 3] });
    expect(onLocation).not.toHaveBeenCalled();
  });
});
