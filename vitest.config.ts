import { defineConfig } from 'vitest/config';

// Every package and app is a project with its own small vitest.config.ts;
// `vitest run` at the root runs them all (the README's test command). The JSON report feeds
// scripts/test-summary.mjs, which prints CI's closing 'N passed, N failed' line.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'benchmarks'],
    reporters: ['default', ['json', { outputFile: 'node_modules/.vitest/report.json' }]],
  },
});
