import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImageWithSharp } from '../node/sharpImageDecoder';
import { TinyBundle } from '../testing/tinyBundle';
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
