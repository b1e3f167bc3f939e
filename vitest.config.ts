import { defineConfig } from 'vitest/config';

// Every package and app is a project with its own small vitest.config.ts;
// `vitest run` at the root runs them all (the README's test command).
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'benchmarks'],
  },
});
