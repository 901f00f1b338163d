import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImageWithSharp } from '../node/sharpImageDecoder';
import { TinyBundle } from '../../test/tinyBundle';
import { FetchBundleSource } from './bundleSource';
import { validateDataset } from './validateDataset';

describe('FetchBundleSource locations', () => {
  it.each([
    ['datasets/tiny', 'http://example.com/app/datasets/tiny/'],
    ['datasets/tiny/', 'http://example.com/app/datasets/tiny/'],
    ['datasets/tiny/dataset.json', 'http://example.com/app/datasets/tiny/'],
    ['/other/?x=1#y', 'http://example.com/other/'],
    ['http://elsewhere.example.org/b/dataset.json', 'http://elsewhere.example.org/b/'],
  ])('%s on http://example.com/app/index.html is %s', (location, base) => {
    expect(new FetchBundleSource(location, 'http://example.com/app/index.html').name).toBe(base);
  });

  it('resolves bundle paths under its base', () => {
    expect(new FetchBundleSource('http://example.com/b/').url('images/a.png')).toBe(
      'http://example.com/b/images/a.png',
    );
  });
});

describe('a bundle over HTTP', () => {
  let bundle: TinyBundle;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    bundle = await TinyBundle.create();
    // A minimal static server over the bundle folder: 200 with the file, or 404.
    server = createServer((request, response) => {
      const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x.example.org').pathname);
      readFile(join(bundle.dir, path)).then(
        (bytes) => response.end(bytes),
        () => response.writeHead(404).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.close();
    await bundle.dispose();
  });

  it('validates with the same results as from disk, and names a 404 as not found', async () => {
    const source = new FetchBundleSource(base);
    expect((await validateDataset(source, { decodeImage: decodeImageWithSharp })).problems).toEqual([]);
    await bundle.remove('subjects/subj02/betas.zarr/0.0');
    expect((await validateDataset(source, { decodeImage: decodeImageWithSharp })).problems).toEqual([
      {
        file: 'subjects/subj02/betas.zarr/0.0',
        message: `not found (${base}subjects/subj02/betas.zarr/0.0 answered 404)`,
      },
    ]);
  });
});

describe('what a FetchBundleSource refuses to fetch (issue 16)', () => {
  const never = () => Promise.reject(new Error('fetched'));

  it.each(['javascript:alert(1)', 'data:text/plain,x', 'file:///etc/'])(
    'refuses %s for its URL scheme',
    async (location) => {
      const fetched: string[] = [];
      const source = new FetchBundleSource(location, 'http://example.com/', (url) => (fetched.push(url), never()));
      await expect(source.read('dataset.json')).rejects.toThrow(
        /^not fetched: ".*" is a (javascript|data|file): URL, and bundles are read from http:\/\/ or https:\/\/ URLs only$/,
      );
      expect(fetched).toEqual([]);
    },
  );

  it.each(['a/../../b.json', 'a%2F..%2Fb.json', '/etc/passwd', 'a\\b'])(
    'refuses the path %s before resolving it',
    async (path) => {
      const source = new FetchBundleSource('http://example.com/b/', undefined, never);
      await expect(source.read(path)).rejects.toThrow(/^is not a path inside the bundle$/);
    },
  );

  it('refuses a file over its size limit by Content-Length, before reading the body', async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({ pull: (c) => (pulled++, c.enqueue(new Uint8Array(1024))) });
    const fetcher = () =>
      Promise.resolve(new Response(endless, { headers: { 'Content-Length': String(600 * 2 ** 20) } }));
    const source = new FetchBundleSource('http://example.com/m/', undefined, fetcher);
    await expect(source.read('backbone.onnx', { limit: 'onnxBytes' })).rejects.toThrow(
      /^is 629,145,600 bytes, more than the limit of 536,870,912 bytes \(LIMITS\.onnxBytes, src\/data\/limits\.ts\) \(http:\/\/example\.com\/m\/backbone\.onnx\)$/,
    );
    expect(pulled).toBeLessThan(3);
  });

  it('stops reading a body without Content-Length at the limit', async () => {
    let sent = 0;
    const chunk = new Uint8Array(2 ** 20);
    const endless = new ReadableStream<Uint8Array>({ pull: (c) => ((sent += chunk.length), c.enqueue(chunk)) });
    const source = new FetchBundleSource('http://example.com/d/', undefined, () =>
      Promise.resolve(new Response(endless)),
    );
    await expect(source.read('anatomy.nii.gz', { limit: 'niftiBytes' })).rejects.toThrow(
      /^holds more than 268,435,456 bytes, more than the limit of 268,435,456 bytes \(LIMITS\.niftiBytes/,
    );
    expect(sent).toBeLessThan(2 ** 28 + 3 * 2 ** 20);
  });
});
