import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/index.ts', 'src/cli.ts'],
    format: ['esm'],
    target: 'node20',
    dts: { entry: 'src/index.ts' },
    sourcemap: true,
    // dist/dashboard/ is the page's build below (built at the same time): left alone here.
    clean: ['!dashboard/**'],
  },
  {
    // The dashboard page (dashboard-ui/): preact, uPlot and mermaid bundled into dist/dashboard/,
    // served by x-server itself. Classic scripts (no module): mermaid.js loads only when needed.
    entry: { app: 'dashboard-ui/app.tsx', mermaid: 'dashboard-ui/mermaid.ts' },
    outDir: 'dist/dashboard',
    format: ['iife'],
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    clean: true,
    dts: false,
    noExternal: [/.*/],
    tsconfig: 'dashboard-ui/tsconfig.json',
    outExtension: () => ({ js: '.js' }),
    esbuildOptions(options) {
      options.jsx = 'automatic';
      options.jsxImportSource = 'preact';
      options.legalComments = 'none';
    },
  },
]);
