import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Client,
  ProtocolError,
  type ReadResourceResult,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EVERYTHING_BIN } from './gateway-helpers.js';
import { connectHttp, type HttpHarness, MODERN, startHttp } from './helpers.js';

// Real peers are child processes: on a busy machine starting them takes seconds.
vi.setConfig({ testTimeout: 60_000 });

// Resources and resource templates of real peers (server-everything, server-filesystem over
// stdio; a second x-server over HTTP), read straight from the peer and through x-server, in
// both protocol eras: the same answers.

const LEGACY: VersionNegotiationMode = 'legacy';
const ERAS = [
  ['2025-11-25', LEGACY],
  ['2026-07-28', MODERN],
] as const;

const FILESYSTEM_BIN = join(
  import.meta.dirname,
  '..',
  'node_modules',
  '@modelcontextprotocol',
  'server-filesystem',
  'dist',
  'index.js',
);
const everything = { command: process.execPath, args: [EVERYTHING_BIN] };

/**
 * Contents with the clock time server-everything writes into its dynamic resources ("created
 * at 5:38:17 AM", also inside a blob) blanked: a cached answer is a second older than a new one.
 */
function untimed(contents: ReadResourceResult['contents']): unknown {
  const blank = (text: string) => text.replace(/\d{1,2}:\d{2}:\d{2}\s?[AP]M/g, '<time>');
  return contents.map((content) =>
    'blob' in content
      ? { ...content, blob: blank(Buffer.from(content.blob, 'base64').toString('utf8')) }
      : { ...content, text: blank(content.text) },
  );
}

let direct: Client;
let fsDir: string;
let gateway: HttpHarness;
/** x-server fronting a second x-server (HTTP) that fronts server-everything. */
let outer: HttpHarness;
const clients = new Map<string, Client>();
const outerClients = new Map<string, Client>();

beforeAll(async () => {
  direct = new Client({ name: 'direct', version: '1.0.0' });
  await direct.connect(new StdioClientTransport({ ...everything, stderr: 'pipe' }));
  fsDir = await mkdtemp(join(tmpdir(), 'x-server-fs-peer-'));
  await writeFile(join(fsDir, 'note.txt'), 'a note');
  gateway = await startHttp({
    peers: {
      everything,
      // No resources, templates or prompts: it adds nothing to the merged lists.
      files: { command: process.execPath, args: [FILESYSTEM_BIN, fsDir] },
    },
  });
  outer = await startHttp({ peers: { inner: { url: gateway.url } } });
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

describe.each(ERAS)('resources through x-server, %s', (era) => {
  const client = () => clients.get(era)!;

  it('negotiates its era and advertises resources (subscribe, listChanged)', () => {
    expect(client().getNegotiatedProtocolVersion()).toBe(era);
    expect(client().getServerCapabilities()?.resources).toEqual({
      subscribe: true,
      listChanged: true,
    });
  });

  it("resources/list: every page merged is the peer's list, the fs peer adding none", async () => {
    const want = (await direct.listResources()).resources;
    expect(want.length).toBeGreaterThan(0);
    // The SDK walks our cursors as it walks the peer's.
    const got = (await client().listResources(undefined, { cacheMode: 'bypass' })).resources;
    expect(got).toEqual(want);
  });

  it('resources/list pages with an opaque cursor of ours; a foreign cursor is invalid params', async () => {
    const first = await client().listResources({}, { cacheMode: 'bypass' });
    const all = (await direct.listResources()).resources;
    if (all.length > 100) {
      expect(first.resources).toHaveLength(100);
      const second = await client().listResources({ cursor: first.nextCursor! });
      expect(second.resources).toEqual(all.slice(100, 200));
    } else {
      expect(first.nextCursor).toBeUndefined();
      expect(first.resources).toEqual(all);
    }
    const error = await client()
      .listResources({ cursor: 'not-ours' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(-32602);
  });

  it("resources/templates/list is the peer's", async () => {
    const want = (await direct.listResourceTemplates()).resourceTemplates;
    expect(want.length).toBeGreaterThan(0);
    const got = (await client().listResourceTemplates(undefined, { cacheMode: 'bypass' }))
      .resourceTemplates;
    expect(got).toEqual(want);
  });

  it("resources/read of a listed URI and of a templated one: the peer's answer", async () => {
    const [listed] = (await direct.listResources()).resources;
    for (const uri of [
      listed!.uri,
      'demo://resource/dynamic/text/7',
      'demo://resource/dynamic/blob/3',
    ]) {
      const want = await direct.readResource({ uri });
      const got = await client().readResource({ uri }, { cacheMode: 'bypass' });
      expect(untimed(got.contents)).toEqual(untimed(want.contents));
    }
  });

  it('resources/read of a URI nobody lists: to the only peer with resources, which answers as it does directly', async () => {
    const uri = 'nowhere://nothing';
    const error = await client()
      .readResource({ uri }, { cacheMode: 'bypass' })
      .catch((e: unknown) => e);
    const peers = await direct.readResource({ uri }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe((peers as ProtocolError).code);
    expect((error as Error).message).toBe((peers as Error).message);
  });

  it("completion/complete on a resource template: the peer's completions", async () => {
    const template = (await direct.listResourceTemplates()).resourceTemplates[0]!;
    const params = {
      ref: { type: 'ref/resource' as const, uri: template.uriTemplate },
      argument: { name: 'resourceId', value: '4' },
    };
    expect((await client().complete(params)).completion).toEqual(
      (await direct.complete(params)).completion,
    );
  });

  it('through a second x-server over HTTP: the same list and reads', async () => {
    const outerClient = outerClients.get(era)!;
    const want = (await direct.listResources()).resources;
    expect((await outerClient.listResources(undefined, { cacheMode: 'bypass' })).resources).toEqual(
      want,
    );
    const uri = 'demo://resource/dynamic/text/2';
    expect(
      untimed((await outerClient.readResource({ uri }, { cacheMode: 'bypass' })).contents),
    ).toEqual(untimed((await direct.readResource({ uri })).contents));
  });
});

describe('without peers', () => {
  it.each(ERAS)('advertises no resources, prompts or completions (%s)', async (_era, mode) => {
    const bare = await startHttp({});
    const client = await connectHttp(bare.url, {}, mode);
    const capabilities = client.getServerCapabilities();
    expect(capabilities?.tools).toBeDefined();
    expect(capabilities?.resources).toBeUndefined();
    expect(capabilities?.prompts).toBeUndefined();
    expect(capabilities?.completions).toBeUndefined();
  });
});
