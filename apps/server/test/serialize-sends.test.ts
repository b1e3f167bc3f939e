import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { serializeSends } from '../src/peers/connection.js';

function fakeTransport() {
  const pending: { message: JSONRPCMessage; settle: (error?: Error) => void }[] = [];
  const transport = {
    start: async () => {},
    close: async () => {},
    send: (message: JSONRPCMessage) =>
      new Promise<void>((resolve, reject) => {
        pending.push({ message, settle: (error) => (error ? reject(error) : resolve()) });
      }),
  } as Transport;
  return { transport, pending };
}

const ping = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, method: 'ping' });
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('serializeSends', () => {
  it('keeps at most one send waiting on the transport, in order', async () => {
    const { transport, pending } = fakeTransport();
    serializeSends(transport);

    const sends = [1, 2, 3].map((id) => transport.send(ping(id)));
    await flush();
    const waitingAtFirst = pending.length;
    pending[0]!.settle();
    await flush();

    expect(waitingAtFirst).toBe(1);
    expect(pending.map((entry) => (entry.message as { id: number }).id)).toEqual([1, 2]);
    pending[1]!.settle();
    await flush();
    pending[2]!.settle();
    await expect(Promise.all(sends)).resolves.toEqual([undefined, undefined, undefined]);
  });

  it('fails only the send that failed; the next ones still go out', async () => {
    const { transport, pending } = fakeTransport();
    serializeSends(transport);

    const first = transport.send(ping(1));
    const second = transport.send(ping(2));
    await flush();
    pending[0]!.settle(new Error('EPIPE'));
    await flush();
    pending[1]!.settle();

    await expect(first).rejects.toThrow('EPIPE');
    await expect(second).resolves.toBeUndefined();
  });
});
