// Which WebGPU adapters the app runs on by default. A software adapter (SwiftShader, llvmpipe,
// WARP: what a browser offers where no GPU driver is usable) emulates the GPU on the CPU: on the
// 2-core build machine it ran a reconstruction ~100x slower than WASM (one minute and still at
// decoder step 2 of 14, against under 1 s), so it never wins by default; `?engine=webgpu` still
// forces it.

/** The parts of GPUAdapterInfo the choice reads (`isFallbackAdapter` is newer than the rest). */
export interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|\bwarp\b|basic render|software/i;

/** The adapter's name as people know it: "google swiftshader", "nvidia ampere". */
export function adapterName(info: AdapterInfoLike): string | null {
  const name = [info.vendor, info.architecture, info.device].filter(Boolean).join(' ');
  return name || info.description || null;
}

/** A sentence saying why the adapter emulates a GPU on the CPU, or null when it is a real GPU. */
export function softwareAdapterReason(info: AdapterInfoLike): string | null {
  const names = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  const software = SOFTWARE_NAMES.exec(names);
  if (!info.isFallbackAdapter && !software) return null;
  const which = software ? software[0] : (adapterName(info) ?? 'the fallback adapter');
  return `the only WebGPU adapter (${which}) is a software renderer on the CPU, slower than WASM; ?engine=webgpu uses it anyway`;
}
