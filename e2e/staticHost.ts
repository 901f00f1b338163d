// A plain static file server for a bundle folder on another origin than the app, with the headers
// the README's "Static hosting" asks of a bundle host (CORS and CORP), as an object store or CDN
// would serve a converted bundle. Node only; for specs and benches.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  json: 'application/json',
  webp: 'image/webp',
  png: 'image/png',
  gz: 'application/gzip',
};

export interface StaticHost {
  /** The folder's URL, ending in '/'. */
  url: string;
  /** Requests answered so far, by path. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves `folder` on 127.0.0.1 at a free port; paths outside it are 404. */
export async function serveFolder(folder: string): Promise<StaticHost> {
  const root = normalize(folder).replace(/\/+$/, '');
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://host').pathname);
    requests.push(path);
    response.setHeader('Access-Control-Allow-Origin', '*');
    response.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    const file = normalize(join(root, path));
    if (!file.startsWith(root + sep)) return void response.writeHead(404).end();
    stat(file).then(
      (info) => {
        if (!info.isFile()) return void response.writeHead(404).end();
        const type = TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream';
        response.writeHead(200, { 'Content-Type': type, 'Content-Length': info.size });
        createReadStream(file).pipe(response);
      },
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
