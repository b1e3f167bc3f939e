import { once } from 'node:events';
import {
  type AddressInfo,
  createConnection,
  createServer,
  type Server,
  type Socket,
} from 'node:net';
import { PeerPool } from '@x/pool';
import genericPool from 'generic-pool';
import { defineSuite } from '../types.js';

const OURS = '@x/pool';
const ACQUIRE_TIMEOUT_MS = 10_000;

/** A stand-in connection: the hit path is what is measured, not a connect. */
interface Conn {
  id: number;
}
let nextId = 0;
const factory = {
  create: async (): Promise<Conn> => ({ id: ++nextId }),
  destroy: async (): Promise<void> => undefined,
};

function ours(): PeerPool<Conn> {
  return new PeerPool<Conn>({
    create: factory.create,
    destroy: factory.destroy,
    maxPerPeer: 10,
    acquireTimeoutMs: ACQUIRE_TIMEOUT_MS,
  });
}

/** Raw generic-pool, configured as ours is: max 10, the same acquire timeout. */
function raw(options: genericPool.Options = { acquireTimeoutMillis: ACQUIRE_TIMEOUT_MS }) {
  return genericPool.createPool<Conn>(factory, { max: 10, ...options });
}

/** What a user of generic-pool writes for many peers: a Map of pools, one per peer. */
function rawPerPeer() {
  const pools = new Map<string, genericPool.Pool<Conn>>();
  closers.push(async () => {
    for (const pool of pools.values()) await pool.drain().then(() => pool.clear());
  });
  return (peerId: string) => {
    let pool = pools.get(peerId);
    if (pool === undefined) {
      pool = raw();
      pools.set(peerId, pool);
    }
    return pool;
  };
}

async function startEchoServer(): Promise<{ server: Server; host: string; port: number }> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { address, port } = server.address() as AddressInfo;
  return { server, host: address, port };
}

function connect(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port, noDelay: true });
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

function roundTrip(socket: Socket): Promise<unknown> {
  socket.write('ping');
  return once(socket, 'data');
}

const closers: (() => unknown)[] = [];

export default defineSuite({
  package: 'pool',
  description:
    'Acquire + release of an idle connection (a hit) against raw generic-pool with the same max and acquire timeout, on one peer and across 1,000 peers (a Map of generic-pools); then pooled vs unpooled round trips to a local TCP echo server.',
  workloads: async ({ quick }) => {
    const peerCount = quick ? 20 : 1_000;
    const peerIds = Array.from({ length: peerCount }, (_, i) => `peer-${i}`);

    const oursOne = ours();
    const rawOne = raw();
    const rawOneNoTimeout = raw({});

    const oursMany = ours();
    const rawMany = rawPerPeer();
    let oursNext = 0;
    let rawNext = 0;

    const echo = await startEchoServer();
    const address = `${echo.host}:${echo.port}`;
    const oursTcp = new PeerPool<Socket>({
      create: () => connect(echo.host, echo.port),
      destroy: (socket) => socket.destroy(),
      validate: (socket) => !socket.destroyed && socket.writable,
    });
    closers.push(
      () => oursOne.drain(),
      () => oursMany.drain(),
      () => oursTcp.drain(),
      () => rawOne.drain().then(() => rawOne.clear()),
      () => rawOneNoTimeout.drain().then(() => rawOneNoTimeout.clear()),
      () => new Promise((resolve) => echo.server.close(resolve)),
    );

    return [
      {
        name: 'hit: acquire + release, one peer',
        ours: OURS,
        latency: true,
        goal: 'at least 0.8x raw generic-pool ops/s',
        contenders: [
          {
            name: OURS,
            run: async () => {
              const conn = await oursOne.acquire('peer');
              oursOne.release('peer', conn);
            },
          },
          {
            name: 'generic-pool',
            run: async () => {
              const conn = await rawOne.acquire();
              await rawOne.release(conn);
            },
          },
          {
            name: 'generic-pool (no acquire timeout)',
            run: async () => {
              const conn = await rawOneNoTimeout.acquire();
              await rawOneNoTimeout.release(conn);
            },
          },
        ],
      },
      {
        name: `hit: acquire + release, round-robin over ${peerCount} peers`,
        ours: OURS,
        latency: true,
        goal: 'p99 hit latency under 50 µs',
        contenders: [
          {
            name: OURS,
            run: async () => {
              const peerId = peerIds[oursNext++ % peerCount]!;
              const conn = await oursMany.acquire(peerId);
              oursMany.release(peerId, conn);
            },
          },
          {
            name: 'generic-pool (Map of pools)',
            run: async () => {
              const pool = rawMany(peerIds[rawNext++ % peerCount]!);
              const conn = await pool.acquire();
              await pool.release(conn);
            },
          },
        ],
      },
      {
        name: 'TCP round trip to a local echo server',
        ours: OURS,
        latency: true,
        goal: 'pooled beats a connect per call (the reuse speed-up)',
        contenders: [
          {
            name: OURS,
            run: () => oursTcp.use(address, roundTrip),
          },
          {
            name: 'unpooled (connect per call)',
            run: async () => {
              const socket = await connect(echo.host, echo.port);
              await roundTrip(socket);
              socket.destroy();
            },
          },
        ],
      },
    ];
  },
  teardown: async () => {
    for (const close of closers.splice(0)) await close();
  },
});
