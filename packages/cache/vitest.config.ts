import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'cache', include: ['test/**/*.test.ts'] },
});
