import { describe, expect, it } from 'vitest';
import { fetchModelBundleSource, SubfolderSource } from './modelBundleSource';
import { FetchBundleSource } from './bundleSource';

describe('model bundle sources', () => {
  it.each([
    ['models/mini-subj01', 'http://example.com/app/models/mini-subj01'],
    ['models/mini-subj01/', 'http://example.com/app/models/mini-subj01'],
    ['models/mini-subj01/model.json?x#y', 'http://example.com/app/models/mini-subj01'],
    ['http://cdn.example.org/m/b/', 'http://cdn.example.org/m/b'],
  ])('%s on http://example.com/app/ is the bundle %s', (location, name) => {
    expect(fetchModelBundleSource(location, 'http://example.com/app/index.html').name).toBe(name);
  });

  it("resolves its own files in its folder and '../' in the folder of its siblings", () => {
    const source = fetchModelBundleSource('http://example.com/models/mini-subj01/');
    expect(source.url('backbone.onnx')).toBe('http://example.com/models/mini-subj01/backbone.onnx');
    expect(source.url('../mini-image/decoder.onnx')).toBe('http://example.com/models/mini-image/decoder.onnx');
  });

  it('reaches no further than the siblings', () => {
    const source = new SubfolderSource(new FetchBundleSource('http://example.com/models/'), 'b');
    expect(() => source.url('../../secret.onnx')).toThrow(/outside the bundles' folder/);
    expect(() => source.url('../a/../../x.onnx')).toThrow(/outside/);
    expect(() => new SubfolderSource(new FetchBundleSource('http://example.com/'), '..')).toThrow(/not a folder name/);
  });
});
