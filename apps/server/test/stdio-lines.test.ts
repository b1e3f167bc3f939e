import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StdioTransport, XServer } from '../src/index.js';
import { closeAfterTest, testConfig, workdir } from './helpers.js';

/**
 * x-server's own stdio transport reads its client's lines itself (JSON.parse and an envelope
 * check, no zod parse per message): what a client writes must still arrive whole, in order,
 * however the pipe cuts it.
 */
async function serve(options: { highWaterMark?: number; readLater?: boolean } = {}) {
  const dir = await workdir();
  const app = await XServer.create({ config: await testConfig(dir) });
  closeAfterTest(() => app.close());
  const stdin = new PassThrough();
  const stdout = new PassThrough({ highWaterMark: options.highWaterMark ?? 16_384 });
  const transport = new StdioTransport(app, { stdin, stdout });
  app.attach(transport);
  await transport.start();
  let output = '';
  const read = () =>
    stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
  if (!options.readLater) read();
  /** The JSON-RPC answers written so far, by id. */
  const answers = () =>
    new Map(
      output
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { id?: number; result?: Record<string, unknown> })
        .filter((message) => message.id !== undefined)
        .map((message) => [message.id, message]),
    );
  const answered = async (id: number) => {
    await expect.poll(() => answers().has(id), { timeout: 5_000, interval: 5 }).toBe(true);
    return answers().get(id)!;
  };
  return { stdin, answered, read, stdout };
}

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'lines – ✓ 多字节', version: '1.0.0' },
  },
};

describe('stdio transport: reading the client', () => {
  it('reads a message cut across chunks, inside a multi-byte character, and answers it', async () => {
    const { stdin, answered } = await serve();
    const bytes = Buffer.from(`${JSON.stringify(initialize)}\n`, 'utf8');
    // Cut inside the three bytes of "✓" and inside "多".
    const cutA = bytes.indexOf(Buffer.from('✓', 'utf8')) + 1;
    const cutB = bytes.indexOf(Buffer.from('多', 'utf8')) + 2;
    stdin.write(bytes.subarray(0, cutA));
    stdin.write(bytes.subarray(cutA, cutB));
    stdin.write(bytes.subarray(cutB));
    const answer = await answered(1);
    expect(answer.result?.protocolVersion).toBe('2025-11-25');
  });

  it('skips a line that is not JSON and answers the messages around it, in order', async () => {
    const { stdin, answered } = await serve();
    stdin.write(
      `${JSON.stringify(initialize)}\nnot json at all\n\r\n${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\r\n`,
    );
    await answered(1);
    stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'dispatch', arguments: { category: 'demo', tool: 'echo', params: { value: 'é' } } } })}\n`,
    );
    const answer = await answered(2);
    expect(answer.result?.structuredContent).toMatchObject({ result: { value: 'é' } });
  });
});

describe('stdio transport: writing to the client', () => {
  it('keeps every answer whole and in the pipe while the client does not read, and sends them when it does', async () => {
    const { stdin, answered, read, stdout } = await serve({ highWaterMark: 64, readLater: true });
    stdin.write(`${JSON.stringify(initialize)}\n`);
    await expect.poll(() => stdout.writableNeedDrain, { timeout: 5_000, interval: 5 }).toBe(true);
    const calls = Array.from({ length: 20 }, (_, i) => ({
      jsonrpc: '2.0',
      id: 10 + i,
      method: 'tools/call',
      params: {
        name: 'dispatch',
        arguments: { category: 'demo', tool: 'echo', params: { value: i } },
      },
    }));
    stdin.write(`${calls.map((call) => JSON.stringify(call)).join('\n')}\n`);
    read();
    await answered(1);
    for (const [i, call] of calls.entries()) {
      const answer = await answered(call.id);
      expect(answer.result?.structuredContent).toMatchObject({ result: { value: i } });
    }
  });
});
