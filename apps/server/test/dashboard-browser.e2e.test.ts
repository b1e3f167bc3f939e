// The dashboard in a real browser: Debian's chromium (/usr/bin/chromium, installed by .ci/run)
// driven by playwright-core. In CI (CI=true) a missing chromium fails the suite; elsewhere it is
// skipped with a message saying how to install it.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultAssetsDir } from '../src/dashboard/index.js';
import { XServer } from '../src/server.js';
import { connectHttp, ok, testConfig, workdir } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const IN_CI = process.env.CI === 'true';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const MISSING = `dashboard browser tests: ${CHROMIUM} not found; install it with "apt-get install -y chromium" (.ci/run does)`;
if (!HAVE_CHROMIUM) console.warn(IN_CI ? `FAIL: ${MISSING}` : `SKIP: ${MISSING}`);

const TOKEN = 'dashboard-test-token';
const SCREENSHOT = join(import.meta.dirname, '..', 'docs', 'dashboard.png');
const BREAKER_THRESHOLD = 3;

// A loaded CI machine (2 cores, every test file at once) parses mermaid's 5 MB slowly.
vi.setConfig({ testTimeout: 60_000 });

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)('dashboard in headless chromium', () => {
  let app: XServer;
  let base: string;
  let url: string;
  let context: BrowserContext;
  let page: Page;
  let client: Client;
  let profile: string;
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(MISSING);
    if (!existsSync(join(defaultAssetsDir(), 'app.js'))) {
      throw new Error('the dashboard page is not built: run "pnpm --filter @x/server build" first');
    }
    const dir = await workdir();
    const config = await testConfig(dir, {
      http: { token: TOKEN },
      builtins: ['demo', 'text'],
      breaker: { failureThreshold: BREAKER_THRESHOLD, recoveryTimeoutMs: 120_000 },
    });
    app = await XServer.create({ config });
    ({ url } = await app.serveHttp());
    base = url.replace(/\/mcp$/, '');
    profile = await mkdtemp(join(tmpdir(), 'x-dashboard-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
      colorScheme: 'light',
    });
    page = context.pages()[0] ?? (await context.newPage());
    const host = new URL(base).host;
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
    context.on('request', (request) => {
      const target = new URL(request.url());
      if (target.protocol !== 'data:' && target.host !== host) foreignRequests.push(request.url());
    });
    client = await connectHttp(url, { authorization: `Bearer ${TOKEN}` });
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await context?.close();
    await app?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  const call = async (name: string, args: Record<string, unknown>) =>
    client.callTool({ name, arguments: args });

  it('refuses the page and its events without the token', async () => {
    const response = await page.goto(`${base}/`);
    expect(response?.status()).toBe(401);
    expect(await page.textContent('h1')).toBe('Token needed');
    const events = await page.request.get(`${base}/dashboard/events`);
    expect(events.status()).toBe(401);
    const wrong = await page.goto(`${base}/?token=not-the-token`);
    expect(wrong?.status()).toBe(401);
  });

  it('opens with /?token= once: a cookie, the token out of the address, no console error', async () => {
    // The refusals above were logged by the browser as failed loads: those were expected.
    consoleErrors.length = 0;
    const response = await page.goto(`${base}/?token=${TOKEN}`);
    expect(response?.status()).toBe(200);
    expect(new URL(page.url()).search).toBe('');
    const cookies = await context.cookies(base);
    const cookie = cookies.find((candidate) => candidate.name === 'x_dashboard');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(cookie?.value).not.toContain(TOKEN);
    await page.waitForSelector('[data-category="demo"]', { timeout: 30_000 });
    await expect.poll(() => page.textContent('.live')).toBe('live');
    expect(consoleErrors).toEqual([]);
  });

  it("shows a dispatch made by an MCP client in its tool's row within 2 s", async () => {
    ok(await call('dispatch', { category: 'demo', tool: 'echo', params: { value: 'hi' } }));
    const row = page.locator('[data-tool="demo.echo"]');
    await row.waitFor({ timeout: 2_000 });
    await expect
      .poll(() => row.locator('[data-field="calls"]').textContent(), { timeout: 2_000 })
      .toBe('1');
  });

  it("renders a workflow run's Mermaid diagram as SVG", async () => {
    const steps = [
      { id: 'one', category: 'text', tool: 'hash', params: { text: 'a' } },
      { id: 'two', category: 'text', tool: 'base64', params: { text: 'b' } },
      { id: 'three', category: 'demo', tool: 'echo', params: { value: 3 }, needs: ['one', 'two'] },
    ];
    const report = ok<{ status: string; mermaid: string }>(await call('workflow_run', { steps }));
    expect(report.status).toBe('succeeded');
    expect(report.mermaid).toContain('flowchart');
    const svg = page.locator('.diagram svg');
    await svg.waitFor({ timeout: 40_000 });
    // The nodes of the run are in the picture.
    await expect.poll(() => svg.textContent()).toContain('three');
    expect(consoleErrors).toEqual([]);
  });

  it('shows a category whose breaker opened as open, with its retry time', async () => {
    for (let i = 0; i < BREAKER_THRESHOLD; i++) {
      await call('dispatch', { category: 'demo', tool: 'flaky', params: { failureRate: 1 } });
    }
    const refused = await call('dispatch', {
      category: 'demo',
      tool: 'echo',
      params: { value: 2 },
    });
    expect(JSON.stringify(refused)).toContain('CIRCUIT_OPEN');
    const circuit = page.locator('[data-category="demo"] [data-circuit]');
    await expect.poll(() => circuit.getAttribute('data-circuit'), { timeout: 3_000 }).toBe('open');
    const retry = /retries at .+ \(in (\d+) s\)/.exec((await circuit.textContent()) ?? '');
    // recoveryTimeoutMs is 120 s: the page counts down from there.
    expect(Number(retry?.[1])).toBeGreaterThan(100);
    expect(Number(retry?.[1])).toBeLessThanOrEqual(120);
    // The failures are in the last errors, with their codes.
    await expect.poll(() => page.textContent('.errors')).toContain('CIRCUIT_OPEN');
  });

  it('is usable by keyboard and readable in dark mode; makes a screenshot for the README', async () => {
    ok(
      await call('workflow_run', {
        steps: [{ id: 'solo', category: 'text', tool: 'hash', params: { text: 'x' } }],
      }),
    );
    const buttons = page.locator('.run-list button');
    await expect.poll(() => buttons.count()).toBe(2);
    // The older run: focus its button and press Enter.
    await buttons.nth(1).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => buttons.nth(1).getAttribute('aria-pressed')).toBe('true');
    await page.locator('.diagram svg').waitFor({ timeout: 40_000 });
    await mkdir(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // A string: the server's tsconfig has no DOM types (the page's code runs in the browser).
    const background = () =>
      page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await background()).not.toBe(light);
    await page.emulateMedia({ colorScheme: 'light' });

    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
