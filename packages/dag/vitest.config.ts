import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'dag', include: ['test/**/*.test.ts'] },
});
