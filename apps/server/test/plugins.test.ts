import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BreakerGuard } from '../src/backends/index.js';
import { pluginCategory } from '../src/catalog/plugins.js';
import { CategoryRegistry } from '../src/catalog/registry.js';
import { CategoryLoadError } from '../src/errors.js';
import { dispatcherWith } from './fakes.js';

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

  it("leaves the circuit closed on errors the plugin marks as the caller's fault", async () => {
    const guard = new BreakerGuard({ failureThreshold: 3, recoveryTimeoutMs: 30_000 });
    const { dispatcher } = dispatcherWith(
      [
        pluginCategory(
          { name: 'cities', module: './plugin-cities.mjs', description: 'x' },
          fixtures,
        ),
      ],
      { guard },
    );
    const ask = (tool: string, city: string) =>
      dispatcher.dispatch({ category: 'cities', tool, params: { city } }).then(
        () => 'ok',
        (error) => error.code,
      );

    const marked = [];
    for (let i = 0; i < 3; i++) {
      marked.push(await ask('population', 'Atlantis'), await ask('mayor', 'Atlantis'));
    }
    const good = await ask('population', 'Oslo');
    const outage = [];
    for (let i = 0; i < 4; i++) outage.push(await ask('population', 'down'));

    expect(marked).toEqual(Array(6).fill('UNKNOWN_CITY'));
    expect(good).toBe('ok');
    expect(outage).toEqual(['DOWN', 'DOWN', 'DOWN', 'CIRCUIT_OPEN']);
  });
});
