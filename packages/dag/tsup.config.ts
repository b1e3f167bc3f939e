import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  sourcemap: true,
  // Class names survive bundling (esbuild would name `CycleError` `_CycleError`).
  keepNames: true,
  clean: true,
});
