import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script of the repository, without types
import { checkLayers } from '../../../scripts/lib/layers.mjs';

type Check = (dir: string) => { problems: string[]; graph: Map<string, Set<string>> };
const check = checkLayers as Check;

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'x-layers-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

describe('check:layers', () => {
  it('finds no problem in the server as it is', () => {
    const { problems, graph } = check(join(import.meta.dirname, '..', 'src'));
    expect(problems).toEqual([]);
    // The layers point one way: the lowest ones import no other layer.
    expect([...(graph.get('errors.ts') ?? [])]).toEqual([]);
    expect([...(graph.get('config/') ?? [])]).toEqual(['errors.ts']);
  });

  it('reports an import cycle between two folders, naming an import of each direction', async () => {
    const dir = await tree({
      'a/one.ts': "import { two } from '../b/two.js';\nexport const one = two;\n",
      'b/two.ts': "import type { one } from '../a/one.js';\nexport const two = 2;\n",
    });

    const { problems } = check(dir);

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/import cycle between a\/, b\//);
    expect(problems[0]).toContain('a/one.ts imports ../b/two.js');
    expect(problems[0]).toContain('b/two.ts imports ../a/one.js');
  });

  it('reports a cycle between a loose file and a folder', async () => {
    const dir = await tree({
      'util.ts': "export { x } from './a/x.js';\n",
      'a/x.ts': "import '../util.js';\nexport const x = 1;\n",
    });

    expect(check(dir).problems[0]).toMatch(/import cycle between a\/, util\.ts/);
  });

  it('lets only the entry points import the composition root', async () => {
    const dir = await tree({
      'server.ts': 'export class XServer {}\n',
      'cli.ts': "import { XServer } from './server.js';\n",
      'index.ts': "export { XServer } from './server.js';\n",
      'transport/http.ts': "import type { XServer } from '../server.js';\n",
    });

    expect(check(dir).problems).toEqual([
      'transport/http.ts imports the composition root (../server.js); only cli.ts and index.ts may',
    ]);
  });

  it('reports a source file over 400 lines', async () => {
    const dir = await tree({ 'big.ts': 'export const x = 1;\n'.repeat(400) });

    expect(check(dir).problems).toEqual([
      'big.ts has 401 lines (at most 400): split it by concept',
    ]);
  });
});
