import { describe, expect, it } from 'vitest';
import type { ClientChannel } from '../src/catalog/index.js';
import { PeerRelay, RelayError } from '../src/peers/relay.js';

/** A client channel that answers every request with its name and notes log lines. */
function channel(name: string, owner?: object) {
  const lines: unknown[] = [];
  const client: ClientChannel = {
    ...(owner ? { owner } : {}),
    capabilities: () => ({}),
    logLevel: () => undefined,
    request: async (request) => ({ answeredBy: name, method: request.method }),
    log: (level, data, logger) => lines.push({ level, data, logger }),
  };
  return { client, lines };
}

async function refusal(promise: Promise<unknown>): Promise<RelayError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RelayError);
  return error as RelayError;
}

describe('PeerRelay: which client a peer request goes to', () => {
  it('goes to the client of the one call in flight, and no longer once that call ends', async () => {
    const relay = new PeerRelay();
    const a = channel('a');
    const end = relay.add(a.client);

    await expect(relay.request('sampling/createMessage', { maxTokens: 1 })).resolves.toEqual({
      answeredBy: 'a',
      method: 'sampling/createMessage',
    });
    expect(relay.log({ level: 'info', data: 'x' }, 'peer')).toBe(true);
    expect(a.lines).toEqual([{ level: 'info', data: 'x', logger: 'peer' }]);

    end();
    const error = await refusal(relay.request('sampling/createMessage', {}));
    expect(error.code).toBe(-32601);
    expect(error.message).toMatch(/no call of x-server is in flight/);
    expect(relay.log({ level: 'info', data: 'y' }, 'peer')).toBe(false);
  });

  it('goes to one client when every call in flight is of that client (its serving unit)', async () => {
    const relay = new PeerRelay();
    const session = {};
    relay.add(channel('first', session).client);
    relay.add(channel('second', session).client);

    await expect(relay.request('roots/list', undefined)).resolves.toMatchObject({
      answeredBy: 'first',
    });
  });

  it('refuses a request it cannot tie to one client rather than ask the wrong user', async () => {
    const relay = new PeerRelay();
    const a = channel('a', {});
    const b = channel('b', {});
    relay.add(a.client);
    relay.add(b.client);

    const error = await refusal(relay.request('elicitation/create', { message: 'ok?' }));
    expect(error.code).toBe(-32601);
    expect(error.message).toMatch(/2 calls of different clients/);
    expect(relay.log({ level: 'info', data: 'z' }, 'peer')).toBe(false);
    expect([...a.lines, ...b.lines]).toEqual([]);
  });

  it('answers roots/list outside any call with an error, not an empty list a peer would keep', async () => {
    const error = await refusal(new PeerRelay().request('roots/list', undefined));
    expect(error.code).toBe(-32603);
  });
});
