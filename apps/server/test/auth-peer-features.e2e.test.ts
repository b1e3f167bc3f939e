import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLIENTS, freePort, type Issuer, startIssuer, type TestClient } from './auth-helpers.js';
import { EVERYTHING_BIN } from './gateway-helpers.js';
import { connectHttp, errorText, type HttpHarness, startHttp } from './helpers.js';

// A real peer is a child process: on a busy machine starting it takes seconds.
vi.setConfig({ testTimeout: 60_000 });

// Grants reach what x-server forwards of its peers: direct tools in tools/list, resources,
// resource templates, prompts. A token whose scopes open no tool of the peer sees none of them.
let issuer: Issuer;
let server: HttpHarness;

beforeAll(async () => {
  const port = await freePort();
  const audience = `http://127.0.0.1:${port}/mcp`;
  issuer = await startIssuer({ jwtResources: [audience] });
  server = await startHttp({
    builtins: ['text'],
    peers: {
      everything: {
        command: process.execPath,
        args: [EVERYTHING_BIN],
        description: 'The reference everything server',
        expose: 'both',
      },
    },
    http: {
      port,
      auth: {
        issuer: issuer.issuer,
        audience,
        grants: {
          'tools:text': { categories: ['text'] },
          'tools:everything': { categories: ['everything'] },
        },
      },
    },
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await issuer?.close();
});

async function connect(credentials: TestClient): Promise<Client> {
  const token = await issuer.token(credentials);
  return connectHttp(server.url, { authorization: `Bearer ${token}` });
}

describe("grants and the peers' tools, resources and prompts", () => {
  it('a token opening the peer sees its direct tools, resources, templates and prompts', async () => {
    const client = await connect(CLIENTS.peer);
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools.filter((name) => name.startsWith('everything'))).not.toHaveLength(0);
    const { resources } = await client.listResources();
    expect(resources.length).toBeGreaterThan(0);
    expect((await client.listResourceTemplates()).resourceTemplates.length).toBeGreaterThan(0);
    expect((await client.listPrompts()).prompts.length).toBeGreaterThan(0);
    const read = await client.readResource({ uri: resources[0]!.uri });
    expect(read.contents.length).toBeGreaterThan(0);
  });

  it('a token that does not open the peer sees none of it, and is refused naming the scope', async () => {
    const allowed = await connect(CLIENTS.peer);
    const uri = (await allowed.listResources()).resources[0]!.uri;
    const prompt = (await allowed.listPrompts()).prompts[0]!.name;
    const direct = (await allowed.listTools()).tools.find((t) => t.name.startsWith('everything'))!;

    const client = await connect(CLIENTS.text);
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toContain('dispatch');
    expect(tools.filter((name) => name.startsWith('everything'))).toEqual([]);
    expect((await client.listResources()).resources).toEqual([]);
    expect((await client.listResourceTemplates()).resourceTemplates).toEqual([]);
    expect((await client.listPrompts()).prompts).toEqual([]);
    await expect(client.readResource({ uri })).rejects.toThrow(/FORBIDDEN.*"tools:everything"/);
    await expect(client.getPrompt({ name: prompt })).rejects.toThrow(
      /FORBIDDEN.*"tools:everything"/,
    );
    const called = errorText(await client.callTool({ name: direct.name, arguments: {} }));
    expect(called).toMatch(/^\[FORBIDDEN\].*"tools:everything"/);
  });
});
