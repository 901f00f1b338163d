import { describe, expect, it } from 'vitest';
import { adapterName, softwareAdapterReason } from './adapterChoice';

describe('the default engine choice', () => {
  it("refuses Chromium's SwiftShader adapter as Chromium reports it", () => {
    // measured: headless Chromium 156 with --enable-unsafe-swiftshader on a machine without a GPU
    const swiftShader = {
      vendor: 'google',
      architecture: 'swiftshader',
      device: '',
      description: '',
      isFallbackAdapter: true,
    };
    expect(softwareAdapterReason(swiftShader)).toMatch(
      /^the only WebGPU adapter \(swiftshader\) is a software renderer/,
    );
  });

  it('refuses other software renderers by name or by the fallback flag alone', () => {
    expect(softwareAdapterReason({ vendor: 'mesa', architecture: 'llvmpipe' })).toContain('(llvmpipe)');
    expect(softwareAdapterReason({ description: 'Microsoft Basic Render Driver' })).toContain('(Basic Render)');
    expect(softwareAdapterReason({ vendor: 'acme', architecture: 'x1', isFallbackAdapter: true })).toContain(
      '(acme x1)',
    );
  });

  it('keeps real GPUs', () => {
    expect(softwareAdapterReason({ vendor: 'nvidia', architecture: 'hopper', isFallbackAdapter: false })).toBeNull();
    expect(softwareAdapterReason({ vendor: 'apple', architecture: 'metal-3' })).toBeNull();
    expect(adapterName({ vendor: 'nvidia', architecture: 'hopper', device: '' })).toBe('nvidia hopper');
  });
});
