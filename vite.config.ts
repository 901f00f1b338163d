import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import pkg from './package.json' with { type: 'json' };

// Cross-origin isolation (COOP + COEP) lets onnxruntime-web use WASM threads (SharedArrayBuffer);
// without it ORT silently drops to one thread. Static hosts must send the same two headers.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // Relative asset paths, so the built app works from any folder of any static host.
  base: './',
  plugins: [react()],
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
