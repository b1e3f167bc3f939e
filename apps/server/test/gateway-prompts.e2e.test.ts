import { Client, ProtocolError, type VersionNegotiationMode } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EVERYTHING_BIN } from './gateway-helpers.js';
import { connectHttp, type HttpHarness, MODERN, startHttp } from './helpers.js';

// Real peers are child processes: on a busy machine starting them takes seconds.
vi.setConfig({ testTimeout: 60_000 });

// Prompts and their completions of a real peer (server-everything over stdio; behind a second
// x-server over HTTP too), straight from the peer and through x-server, in both eras: the same
// answers, under the peer's prefix.

const ERAS = [
  ['2025-11-25', 'legacy' as VersionNegotiationMode],
  ['2026-07-28', MODERN],
] as const;

const everything = { command: process.execPath, args: [EVERYTHING_BIN] };

let direct: Client;
let gateway: HttpHarness;
let outer: HttpHarness;
const clients = new Map<string, Client>();
const outerClients = new Map<string, Client>();

beforeAll(async () => {
  direct = new Client({ name: 'direct', version: '1.0.0' });
  await direct.connect(new StdioClientTransport({ ...everything, stderr: 'pipe' }));
  // `everything` with the default prefix (`everything__`); the outer one puts `x.` before that.
  gateway = await startHttp({ peers: { everything } });
  outer = await startHttp({ peers: { inner: { url: gateway.url, prefix: 'x.' } } });
  for (const [era, mode] of ERAS) {
    clients.set(era, await connectHttp(gateway.url, {}, mode));
    outerClients.set(era, await connectHttp(outer.url, {}, mode));
  }
}, 60_000);

afterAll(async () => {
  for (const client of [...clients.values(), ...outerClients.values()]) await client.close();
  await direct?.close();
  await outer?.close();
  await gateway?.close();
});

describe.each(ERAS)('prompts through x-server, %s', (era) => {
  const client = () => clients.get(era)!;

  it('advertises prompts (listChanged) and completions', () => {
    expect(client().getNegotiatedProtocolVersion()).toBe(era);
    expect(client().getServerCapabilities()?.prompts).toEqual({ listChanged: true });
    expect(client().getServerCapabilities()?.completions).toEqual({});
  });

  it("prompts/list: the peer's prompts named <prefix><name>, nothing else changed", async () => {
    const want = (await direct.listPrompts()).prompts;
    expect(want.length).toBeGreaterThan(0);
    const got = (await client().listPrompts(undefined, { cacheMode: 'bypass' })).prompts;
    expect(got).toEqual(want.map((p) => ({ ...p, name: `everything__${p.name}` })));
  });

  it("prompts/get with and without arguments: the peer's messages", async () => {
    const cases: { name: string; arguments?: Record<string, string> }[] = [
      { name: 'simple-prompt' },
      { name: 'args-prompt', arguments: { city: 'Lyon', state: 'Rhône' } },
      { name: 'args-prompt', arguments: { city: 'Oslo' } },
    ];
    for (const request of cases) {
      const want = await direct.getPrompt(request);
      const got = await client().getPrompt({ ...request, name: `everything__${request.name}` });
      expect(got.messages).toEqual(want.messages);
      expect(got.description).toEqual(want.description);
    }
  });

  it("prompts/get of an unknown prompt, or without the prompt's required argument: invalid params", async () => {
    const unknown = await client()
      .getPrompt({ name: 'simple-prompt' })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ProtocolError);
    expect((unknown as ProtocolError).code).toBe(-32602);
    expect((unknown as Error).message).toContain('simple-prompt');
    // The peer's own refusal, as the peer words it.
    const peers = await direct.getPrompt({ name: 'args-prompt' }).catch((e: unknown) => e);
    const ours = await client()
      .getPrompt({ name: 'everything__args-prompt' })
      .catch((e: unknown) => e);
    expect((ours as ProtocolError).code).toBe((peers as ProtocolError).code);
    expect((ours as Error).message).toBe((peers as Error).message);
  });

  it("completion/complete on a prompt argument (with context): the peer's values", async () => {
    for (const [argument, context] of [
      [{ name: 'department', value: 'S' }, undefined],
      [{ name: 'name', value: '' }, { arguments: { department: 'Marketing' } }],
    ] as const) {
      const params = {
        ref: { type: 'ref/prompt' as const, name: 'completable-prompt' },
        argument,
        ...(context ? { context } : {}),
      };
      const want = await direct.complete(params);
      const got = await client().complete({
        ...params,
        ref: { type: 'ref/prompt', name: 'everything__completable-prompt' },
      });
      expect(got.completion).toEqual(want.completion);
      expect(got.completion.values.length).toBeGreaterThan(0);
    }
  });

  it('through a second x-server over HTTP: both prefixes, the same messages', async () => {
    const outerClient = outerClients.get(era)!;
    const want = (await direct.listPrompts()).prompts;
    const got = (await outerClient.listPrompts(undefined, { cacheMode: 'bypass' })).prompts;
    expect(got.map((p) => p.name)).toEqual(want.map((p) => `x.everything__${p.name}`));
    const request = { name: 'args-prompt', arguments: { city: 'Quito' } };
    expect(
      (await outerClient.getPrompt({ ...request, name: 'x.everything__args-prompt' })).messages,
    ).toEqual((await direct.getPrompt(request)).messages);
  });
});
