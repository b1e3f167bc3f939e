import { afterEach, describe, expect, it } from 'vitest';
import {
  BARE_SERVER,
  Closers,
  ERAS,
  httpClient,
  isAlive,
  runningChildren,
  spawnHttpServer,
  stdioClient,
} from '../src/suites/_processes.js';
import { RawStdioClient } from '../src/suites/_raw-stdio.js';

const closers = new Closers();
afterEach(() => closers.closeAll());

const node = (script: string) => [process.execPath, ['-e', script]] as const;

describe('spawnHttpServer', () => {
  it('resolves with the URL the child prints after "listening on", and close() ends the child', async () => {
    const [command, args] = node(
      `process.stderr.write('booting\\nlistening on http://127.0.0.1:1234/mcp\\n'); setInterval(() => {}, 1000);`,
    );
    const child = await spawnHttpServer(command, [...args]);
    closers.push(() => child.close());
    expect(child.url).toBe('http://127.0.0.1:1234/mcp');
    expect(isAlive(child.pid)).toBe(true);
    await child.close();
    expect(isAlive(child.pid)).toBe(false);
    expect(runningChildren()).not.toContain(child.pid);
  });

  it('ends a child that ignores SIGTERM', async () => {
    const [command, args] = node(
      `process.on('SIGTERM', () => {}); console.log('listening on http://127.0.0.1:1/mcp'); setInterval(() => {}, 1000);`,
    );
    const child = await spawnHttpServer(command, [...args]);
    closers.push(() => child.close());
    // The child must have installed its handler before we signal it: it printed after doing so.
    await child.close();
    expect(isAlive(child.pid)).toBe(false);
  }, 20_000);

  it('rejects with the child’s last output when it exits before listening', async () => {
    const [command, args] = node(`console.error('config is broken'); process.exit(3);`);
    await expect(spawnHttpServer(command, [...args])).rejects.toThrow(
      /exited \(code 3\) before listening[\s\S]*config is broken/,
    );
    expect(runningChildren()).toEqual([]);
  });

  it('rejects and ends a child that never prints its URL', async () => {
    const [command, args] = node('setInterval(() => {}, 1000);');
    await expect(spawnHttpServer(command, [...args], { timeoutMs: 300 })).rejects.toThrow(
      /no "listening on <url>" within 300 ms/,
    );
    expect(runningChildren()).toEqual([]);
  });
});

describe('Closers', () => {
  it('runs every clean-up, last first, even when one throws', async () => {
    const order: number[] = [];
    const stack = new Closers();
    stack.push(() => order.push(1));
    stack.push(() => {
      throw new Error('boom');
    });
    stack.push(async () => order.push(3));
    await stack.closeAll();
    expect(order).toEqual([3, 1]);
    await stack.closeAll();
    expect(order).toEqual([3, 1]);
  });
});

describe('the bare SDK 2 server', () => {
  it.each(ERAS)(
    'answers its echo tool over HTTP to a %s client',
    async (era) => {
      const server = await spawnHttpServer(process.execPath, [BARE_SERVER, '--http']);
      closers.push(() => server.close());
      const client = await httpClient(era, server.url);
      closers.push(() => client.close());
      const answer = await client.callTool({ name: 'echo', arguments: { value: 42 } });
      expect(answer.content).toEqual([{ type: 'text', text: '{"value":42}' }]);
      await client.close();
      await server.close();
      expect(isAlive(server.pid)).toBe(false);
    },
    30_000,
  );

  it.each(ERAS)(
    'answers its echo tool over stdio to a %s client',
    async (era) => {
      const child = await stdioClient(era, {
        command: process.execPath,
        args: [BARE_SERVER, '--stdio'],
      });
      closers.push(() => child.close());
      const answer = await child.client.callTool({ name: 'echo', arguments: { value: 'x' } });
      expect(answer.content).toEqual([{ type: 'text', text: '{"value":"x"}' }]);
      await child.close();
      expect(isAlive(child.pid)).toBe(false);
    },
    30_000,
  );

  it('with --modern-only serves a 2026-07-28 client and refuses a 2025-era one', async () => {
    const server = { command: process.execPath, args: [BARE_SERVER, '--stdio', '--modern-only'] };
    const modern = await stdioClient('2026-07-28', server);
    closers.push(() => modern.close());
    const answer = await modern.client.callTool({ name: 'echo', arguments: { value: 1 } });
    expect(answer.content).toEqual([{ type: 'text', text: '{"value":1}' }]);
    await expect(stdioClient('2025-11-25', server)).rejects.toThrow(/nsupported protocol version/);
    expect(runningChildren()).toEqual([modern.pid]);
  }, 30_000);
});

describe('RawStdioClient (no SDK on the client side)', () => {
  const bare = (...flags: string[]) => ({
    command: process.execPath,
    args: [BARE_SERVER, '--stdio', ...flags],
  });

  it.each(ERAS)(
    'calls the bare server in the %s era as the SDK client would, and close() ends the child',
    async (era) => {
      // --modern-only refuses a 2025-era handshake: the 2026 client must really speak 2026.
      const client = await RawStdioClient.start(
        era,
        era === '2026-07-28' ? bare('--modern-only') : bare(),
      );
      closers.push(() => client.close());
      const answer = await client.callTool('echo', { value: 'raw' });
      expect(answer.content).toEqual([{ type: 'text', text: '{"value":"raw"}' }]);
      await client.close();
      expect(isAlive(client.pid)).toBe(false);
      expect(runningChildren()).not.toContain(client.pid);
    },
    30_000,
  );

  it('rejects a call the server refuses, and a tool that answers with an error', async () => {
    const client = await RawStdioClient.start('2025-11-25', bare());
    closers.push(() => client.close());
    await expect(client.callTool('no-such-tool', {})).rejects.toThrow(/no-such-tool/);
    // work's n is a number: a string fails the input's validation.
    await expect(client.callTool('work', { n: 'not a number' })).rejects.toThrow(/work/);
    // The client still works after both.
    const answer = await client.callTool('echo', { value: 1 });
    expect(answer.content).toEqual([{ type: 'text', text: '{"value":1}' }]);
  }, 30_000);

  it('rejects, with no child left, when the server exits before answering', async () => {
    const exits = {
      command: process.execPath,
      args: ['-e', 'process.stdin.once("data", () => process.exit(4))'],
    };
    await expect(RawStdioClient.start('2025-11-25', exits)).rejects.toThrow(
      /server exited \(code 4\)/,
    );
    expect(runningChildren()).toEqual([]);
  }, 30_000);

  it('ends a live server whose handshake it refused', async () => {
    // A 2025-era handshake to a server that serves only 2026-07-28: refused, and the server,
    // still running, is ended by the client.
    await expect(RawStdioClient.start('2025-11-25', bare('--modern-only'))).rejects.toThrow(
      /initialize/,
    );
    expect(runningChildren()).toEqual([]);
  }, 30_000);

  it('ends a server that never answers, once the handshake times out', async () => {
    const silent = { command: process.execPath, args: ['-e', 'process.stdin.resume()'] };
    await expect(RawStdioClient.start('2025-11-25', silent, { timeoutMs: 300 })).rejects.toThrow(
      /initialize: no answer within 300 ms/,
    );
    expect(runningChildren()).toEqual([]);
  }, 30_000);

  it("takes neither a server's own request nor a stray line for an answer", async () => {
    // Before each answer, the server sends a request of its own with the same numeric id, and a
    // line that is not JSON.
    const script = `
      let buffered = '';
      process.stdin.on('data', (chunk) => {
        buffered += chunk;
        for (let end = buffered.indexOf('\\n'); end !== -1; end = buffered.indexOf('\\n')) {
          const message = JSON.parse(buffered.slice(0, end));
          buffered = buffered.slice(end + 1);
          if (message.id === undefined) continue;
          const out = (value) => process.stdout.write(JSON.stringify(value) + '\\n');
          out({ jsonrpc: '2.0', id: message.id, method: 'ping' });
          process.stdout.write('not json\\n');
          out({ jsonrpc: '2.0', id: message.id, result: { answered: message.method } });
        }
      });`;
    const client = await RawStdioClient.start('2025-11-25', {
      command: process.execPath,
      args: ['-e', script],
    });
    closers.push(() => client.close());
    expect(await client.callTool('anything', {})).toEqual({ answered: 'tools/call' });
  }, 30_000);
});
