import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pluginCategory } from '../src/catalog/plugins.js';
import { CategoryRegistry } from '../src/catalog/registry.js';
import { CategoryLoadError } from '../src/errors.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const imports = () =>
  (globalThis as { __weatherPluginImports?: number }).__weatherPluginImports ?? 0;

describe('plugin categories', () => {
  it('imports the module only on first use and hands it its options', async () => {
    const registry = new CategoryRegistry();
    const before = imports();
    registry.register(
      pluginCategory(
        {
          name: 'weather',
          module: './plugin-weather.mjs',
          description: 'Weather',
          options: { sky: 'rain' },
        },
        fixtures,
      ),
    );
    expect(imports()).toBe(before);

    const tool = await registry.tool('weather', 'forecast');
    const result = await tool.run({ city: 'Oslo' }, { signal: new AbortController().signal });

    expect(imports()).toBe(before + 1);
    expect(result).toEqual({ city: 'Oslo', sky: 'rain' });
  });

  it('reports a module without the plugin shape as a load error naming the module', async () => {
    const registry = new CategoryRegistry();
    registry.register(
      pluginCategory({ name: 'broken', module: './plugin-broken.mjs', description: 'x' }, fixtures),
    );

    await expect(registry.tools('broken')).rejects.toBeInstanceOf(CategoryLoadError);
    await expect(registry.tools('broken')).rejects.toThrow(/plugin-broken\.mjs.*default export/);
  });

  it('reports a module that does not exist', async () => {
    const registry = new CategoryRegistry();
    registry.register(
      pluginCategory(
        { name: 'gone', module: 'x-server-no-such-plugin', description: 'x' },
        fixtures,
      ),
    );

    await expect(registry.tools('gone')).rejects.toThrow(/Category "gone" failed to load/);
  });
});
