import { once } from 'node:events';
import {
  type AddressInfo,
  createConnection,
  createServer,
  type Server,
  type Socket,
} from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PeerPool } from '../src/index.js';

// Real sockets and real time: these tests wait only for loopback I/O, never for a timer.

/** An echo server on 127.0.0.1, port 0; it remembers its server-side sockets so a test can cut them. */
async function startEchoServer(): Promise<{
  server: Server;
  address: string;
  sockets: Set<Socket>;
}> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { address, port } = server.address() as AddressInfo;
  return { server, address: `${address}:${port}`, sockets };
}

function connect(address: string): Promise<Socket> {
  const [host, port] = address.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port: Number(port) });
    socket.once('connect', () => {
      socket.off('error', reject);
      // A pooled socket's errors surface through validate, not as crashes.
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

async function roundTrip(socket: Socket, message: string): Promise<string> {
  socket.write(message);
  const [chunk] = (await once(socket, 'data')) as [Buffer];
  return chunk.toString();
}

/** A socket is reusable while both directions are open and no error or close happened. */
function isUsable(socket: Socket): boolean {
  return !socket.destroyed && socket.readable && socket.writable && !socket.readableEnded;
}

describe('pooling TCP sockets to a local echo server', () => {
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  let pool: PeerPool<Socket>;

  beforeEach(async () => {
    echo = await startEchoServer();
    pool = new PeerPool<Socket>({
      create: connect,
      destroy: (socket) => socket.destroy(),
      validate: isUsable,
      maxPerPeer: 2,
      acquireTimeoutMs: 2_000,
    });
  });
  afterEach(async () => {
    await pool.drain();
    echo.server.close();
    await once(echo.server, 'close');
  });

  it('reuses one socket for consecutive round trips', async () => {
    const replies: string[] = [];

    for (const word of ['alpha', 'beta', 'gamma']) {
      replies.push(await pool.use(echo.address, (socket) => roundTrip(socket, word)));
    }

    expect(replies).toEqual(['alpha', 'beta', 'gamma']);
    expect(pool.stats()).toMatchObject({ creates: 1, hits: 2, misses: 1 });
    expect(echo.sockets.size).toBe(1);
  });

  it('detects a socket the server closed and replaces it', async () => {
    const first = await pool.acquire(echo.address);
    pool.release(echo.address, first);
    for (const socket of echo.sockets) socket.destroy();
    await once(first, 'close');

    const reply = await pool.use(echo.address, (socket) => roundTrip(socket, 'still there?'));

    expect(reply).toBe('still there?');
    expect(first.destroyed).toBe(true);
    expect(pool.stats()).toMatchObject({
      creates: 2,
      destroyed: 1,
      validationFailures: 1,
      size: 1,
    });
  });

  it('destroys the socket when a round trip fails inside use()', async () => {
    const failing = pool.use(echo.address, async (socket) => {
      await roundTrip(socket, 'hello');
      throw new Error('unexpected reply');
    });

    await expect(failing).rejects.toThrow('unexpected reply');
    expect(pool.stats()).toMatchObject({ size: 0, destroyed: 1 });
  });

  it('keys pools by address and does not mix up peers', async () => {
    const other = await startEchoServer();
    try {
      const [a, b] = await Promise.all([pool.acquire(echo.address), pool.acquire(other.address)]);

      expect(`${a.remoteAddress}:${a.remotePort}`).toBe(echo.address);
      expect(`${b.remoteAddress}:${b.remotePort}`).toBe(other.address);
      pool.release(echo.address, a);
      pool.release(other.address, b);
      expect(pool.stats().peers).toBe(2);
    } finally {
      await pool.drain();
      other.server.close();
    }
  });
});
