import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

// One build into out/: main (the Electron entry and the plain-Node web host), the sandboxed
// preload (fully bundled: a sandboxed preload cannot require packages), and the renderer.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // zod is bundled (tree-shaken) rather than required: its CommonJS build loads every locale
      // and every schema kind, ~50 ms and ~10 MiB at each start of the CLI, the web host and the app.
      externalizeDeps: { exclude: ['zod'] },
      rollupOptions: {
        input: {
          main: resolve(__dirname, 'src-main/main.ts'),
          serve: resolve(__dirname, 'src-main/host/serve.ts'),
          'transfer-worker': resolve(__dirname, 'src-main/engine/transfer-worker.ts'),
          'prepare-worker': resolve(__dirname, 'src-main/engine/prepare-worker.ts'),
          'walk-worker': resolve(__dirname, 'src-main/engine/walk-worker.ts'),
          cli: resolve(__dirname, 'src-main/cli/main.ts'),
        },
        // Named explicitly: a Node whose builtin list lacks sqlite must not bundle a stub for it.
        external: ['node:sqlite'],
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      externalizeDeps: false,
      rollupOptions: {
        input: { preload: resolve(__dirname, 'src-preload/preload.ts') },
        external: ['electron'],
      },
    },
  },
  renderer: {
    root: 'src-renderer',
    base: './',
    plugins: [react()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      emptyOutDir: true,
      minify: true,
      rollupOptions: { input: resolve(__dirname, 'src-renderer/index.html') },
    },
  },
});
