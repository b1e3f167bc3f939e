import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'breaker', include: ['test/**/*.test.ts'] },
});
