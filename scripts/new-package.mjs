#!/usr/bin/env node
// Scaffolds packages/<name> with the layout every @x package shares, so a new package drops
// straight into the build, test, lint, pack and release flow.
// Usage: node scripts/new-package.mjs <name> "<one-line description>"
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [name, description = ''] = process.argv.slice(2);
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  console.error(
    'usage: node scripts/new-package.mjs <name> "<description>" (name: lowercase, dashes)',
  );
  process.exit(2);
}
const dir = join(import.meta.dirname, '..', 'packages', name);
if (existsSync(dir)) {
  console.error(`packages/${name} exists already`);
  process.exit(1);
}

const json = (value) => `${JSON.stringify(value, null, 2)}\n`;
const files = {
  'package.json': json({
    name: `@x/${name}`,
    version: '0.0.0',
    description,
    license: 'MIT',
    type: 'module',
    sideEffects: false,
    exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
    types: './dist/index.d.ts',
    files: ['dist'],
    engines: { node: '>=20.19' },
    publishConfig: { access: 'public' },
    repository: {
      type: 'git',
      url: 'git+https://example.invalid/x.git',
      directory: `packages/${name}`,
    },
    scripts: {
      build: 'tsup',
      test: 'vitest run',
      typecheck: 'tsc --noEmit',
      lint: 'biome check .',
    },
    dependencies: {},
  }),
  'tsconfig.json': json({
    extends: '../../tsconfig.base.json',
    include: ['src', 'test', '*.config.ts'],
  }),
  'tsup.config.ts': `import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  sourcemap: true,
  clean: true,
});
`,
  'vitest.config.ts': `import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: '${name}', include: ['test/**/*.test.ts'] },
});
`,
  'src/index.ts': `// Every public export is named here explicitly.\n`,
  'README.md': `# @x/${name}\n\n${description}\n\n## Install\n\n\`\`\`sh\nnpm install @x/${name}\n\`\`\`\n`,
};
for (const [file, text] of Object.entries(files)) {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), text);
}
mkdirSync(join(dir, 'test'), { recursive: true });
console.log(`created packages/${name}`);
