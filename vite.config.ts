import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import pkg from './package.json' with { type: 'json' };
import { REFERENCE_NET } from './src/evaluation/referenceNet.ts';
import { referenceNetLicense, referenceNetOnnx } from './src/node/referenceNet.ts';

// Cross-origin isolation (COOP + COEP) lets onnxruntime-web use WASM threads (SharedArrayBuffer);
// without it ORT silently drops to one thread. Static hosts must send the same two headers.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The evaluation's reference network (src/evaluation/referenceNet.ts): converted from the installed npm
 * package's weights into an ONNX file of the built app (dist/reference/, with the package's licence),
 * and served from memory by the dev server. It is not committed: the package is its source.
 */
function referenceNetwork(): Plugin {
  const path = `/${REFERENCE_NET.file}`;
  return {
    name: 'mindeye-reference-network',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        if (request.url?.split('?')[0] !== path) return next();
        response.setHeader('Content-Type', 'application/octet-stream');
        response.end(Buffer.from(referenceNetOnnx()));
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: REFERENCE_NET.file, source: referenceNetOnnx() });
      this.emitFile({
        type: 'asset',
        fileName: REFERENCE_NET.file.replace(/[^/]+$/, `LICENSE-${REFERENCE_NET.packageName}.txt`),
        source: `${REFERENCE_NET.file.split('/').pop()} holds weights of the npm package ${REFERENCE_NET.packageName} (see NOTICE). Its licence:\n\n${referenceNetLicense()}`,
      });
    },
  };
}

/**
 * Model files and Zarr chunks as binary: unknown to the preview server's MIME table, they went out
 * as text, so it gzipped each on the fly (8 % smaller for ONNX weights, 0.15 s of the server's CPU
 * for the 4 MB decoder) and without Content-Length, so their downloads could not show progress.
 */
function binaryBundleFiles(): Plugin {
  const binary = (url: string | undefined) => {
    const path = url?.split('?')[0] ?? '';
    return path.endsWith('.onnx') || /\.zarr\/(.+\/)*[^/.][^/]*$/.test(path);
  };
  const middleware = (
    request: { url?: string },
    response: { setHeader(n: string, v: string): void },
    next: () => void,
  ) => {
    if (binary(request.url)) response.setHeader('Content-Type', 'application/octet-stream');
    next();
  };
  return {
    name: 'mindeye-binary-bundle-files',
    configureServer: (server) => void server.middlewares.use(middleware),
    configurePreviewServer: (server) => void server.middlewares.use(middleware),
  };
}

export default defineConfig({
  // Relative asset paths, so the built app works from any folder of any static host.
  base: './',
  plugins: [react(), referenceNetwork(), binaryBundleFiles()],
  // Names the bundle cache, so a release does not serve the previous release's cached files.
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
  // ORT finds its .wasm next to its module (new URL(..., import.meta.url)); pre-bundling would move it.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  // A missing bundle file must answer 404, not the SPA fallback's index.html with 200.
  appType: 'mpa',
  build: {
    // zarrita's blosc and zstd codecs are large lazy chunks, fetched only for arrays that use them.
    chunkSizeWarningLimit: 800,
  },
  server: { port: 5173, strictPort: true, headers: crossOriginIsolation },
  preview: { port: 5173, strictPort: true, headers: crossOriginIsolation },
});
