import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'telemetry-batcher', include: ['test/**/*.test.ts'] },
});
