import { describe, expect, it } from 'vitest';
import {
  BrokenCircuitError,
  CircuitBreaker,
  type CircuitStateName,
  exponentialBackoff,
} from '../src/index.js';
import { FakeClock, fail, succeed } from './helpers.js';

type Step =
  | 'fail'
  | 'succeed'
  | 'read-state'
  | 'disable'
  | 'force-open'
  | 'reset'
  | { advanceMs: number };

interface Row {
  transition: string;
  steps: Step[];
  state: CircuitStateName;
  /** Every state change seen, as `previous>next`. */
  changes: string[];
}

// failureThreshold 3, recoveryTimeout 1_000, halfOpenMaxCalls 1.
const rows: Row[] = [
  {
    transition: 'closed stays closed below the failure threshold',
    steps: ['fail', 'fail'],
    state: 'closed',
    changes: [],
  },
  {
    transition: 'closed -> open after failureThreshold consecutive failures',
    steps: ['fail', 'fail', 'fail'],
    state: 'open',
    changes: ['closed>open'],
  },
  {
    transition: 'a success in between starts the failure count again',
    steps: ['fail', 'fail', 'succeed', 'fail', 'fail'],
    state: 'closed',
    changes: [],
  },
  {
    transition: 'open stays open before recoveryTimeout',
    steps: ['fail', 'fail', 'fail', { advanceMs: 999 }, 'read-state'],
    state: 'open',
    changes: ['closed>open'],
  },
  {
    transition: 'open -> half-open once recoveryTimeout has passed',
    steps: ['fail', 'fail', 'fail', { advanceMs: 1_000 }, 'read-state'],
    state: 'half-open',
    changes: ['closed>open', 'open>half-open'],
  },
  {
    transition: 'half-open -> closed when the probe succeeds',
    steps: ['fail', 'fail', 'fail', { advanceMs: 1_000 }, 'succeed'],
    state: 'closed',
    changes: ['closed>open', 'open>half-open', 'half-open>closed'],
  },
  {
    transition: 'half-open -> open when the probe fails',
    steps: ['fail', 'fail', 'fail', { advanceMs: 1_000 }, 'fail'],
    state: 'open',
    changes: ['closed>open', 'open>half-open', 'half-open>open'],
  },
  {
    transition: 'closed -> disabled by hand',
    steps: ['disable'],
    state: 'disabled',
    changes: ['closed>disabled'],
  },
  {
    transition: 'disabled never trips',
    steps: ['disable', 'fail', 'fail', 'fail', 'fail'],
    state: 'disabled',
    changes: ['closed>disabled'],
  },
  {
    transition: 'disabled -> closed on reset',
    steps: ['disable', 'reset'],
    state: 'closed',
    changes: ['closed>disabled', 'disabled>closed'],
  },
  {
    transition: 'closed -> forced-open by hand',
    steps: ['force-open'],
    state: 'forced-open',
    changes: ['closed>forced-open'],
  },
  {
    transition: 'forced-open ignores recoveryTimeout',
    steps: ['force-open', { advanceMs: 10_000_000 }, 'read-state'],
    state: 'forced-open',
    changes: ['closed>forced-open'],
  },
  {
    transition: 'forced-open -> closed on reset',
    steps: ['force-open', 'reset'],
    state: 'closed',
    changes: ['closed>forced-open', 'forced-open>closed'],
  },
  {
    transition: 'open -> closed on reset',
    steps: ['fail', 'fail', 'fail', 'reset'],
    state: 'closed',
    changes: ['closed>open', 'open>closed'],
  },
  {
    transition: 'open -> forced-open by hand',
    steps: ['fail', 'fail', 'fail', 'force-open'],
    state: 'forced-open',
    changes: ['closed>open', 'open>forced-open'],
  },
  {
    transition: 'half-open -> disabled by hand',
    steps: ['fail', 'fail', 'fail', { advanceMs: 1_000 }, 'read-state', 'disable'],
    state: 'disabled',
    changes: ['closed>open', 'open>half-open', 'half-open>disabled'],
  },
];

describe('CircuitBreaker state machine', () => {
  it.each(rows)('$transition', async ({ steps, state, changes }) => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({
      name: 'api',
      failureThreshold: 3,
      recoveryTimeout: 1_000,
      clock,
    });
    const seen: string[] = [];
    breaker.onStateChange((next, previous) => seen.push(`${previous.name}>${next.name}`));

    for (const step of steps) {
      if (step === 'fail') await fail(breaker);
      else if (step === 'succeed') await succeed(breaker).catch(() => undefined);
      else if (step === 'read-state') void breaker.state;
      else if (step === 'disable') breaker.disable();
      else if (step === 'force-open') breaker.forceOpen();
      else if (step === 'reset') breaker.reset();
      else clock.advance(step.advanceMs);
    }

    expect(breaker.state).toBe(state);
    expect(seen).toEqual(changes);
  });

  it('rejects at once while open, without running the call', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({ name: 'ipfs_api', failureThreshold: 1, clock });
    await fail(breaker);
    let ran = false;

    const result = breaker.execute(async () => {
      ran = true;
    });

    await expect(result).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(ran).toBe(false);
  });

  it('names the breaker and the retry time in BrokenCircuitError', async () => {
    const clock = new FakeClock(5_000);
    const breaker = new CircuitBreaker({
      name: 'ipfs_api',
      failureThreshold: 1,
      recoveryTimeout: 60_000,
      clock,
    });
    await fail(breaker);

    const error = await breaker.execute(async () => 1).catch((e: unknown) => e);

    expect(error).toMatchObject({
      code: 'ERR_BREAKER_OPEN',
      breakerName: 'ipfs_api',
      state: 'open',
      retryAt: 65_000,
    });
    expect((error as Error).message).toContain('ipfs_api');
  });

  it('rejects with BrokenCircuitError without retryAt while forced open', async () => {
    const breaker = new CircuitBreaker({ clock: new FakeClock() });
    breaker.forceOpen();

    const error = await breaker.execute(async () => 1).catch((e: unknown) => e);

    expect(error).toMatchObject({ state: 'forced-open', retryAt: undefined });
    expect((error as Error).message).toContain('reset()');
  });

  it('runs calls directly while disabled and counts nothing', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, clock: new FakeClock() });
    breaker.disable();

    await fail(breaker);
    const value = await breaker.execute(async () => 42);

    expect(value).toBe(42);
    expect(breaker.stats()).toMatchObject({ calls: 0, failures: 0 });
  });

  it('passes the re-open count to a recoveryTimeout function', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      recoveryTimeout: exponentialBackoff({ baseDelayMs: 1_000, maxDelayMs: 3_000 }),
      clock,
    });
    const delays: number[] = [];
    breaker.onStateChange((next) => {
      if (next.name === 'open') delays.push(next.retryAt - next.openedAt);
    });

    await fail(breaker);
    for (let i = 0; i < 3; i++) {
      clock.advance(10_000);
      await fail(breaker);
    }

    expect(delays).toEqual([1_000, 2_000, 3_000, 3_000]);
  });

  it('starts the re-open count again after the circuit closes', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      recoveryTimeout: (reopenCount) => 1_000 * (reopenCount + 1),
      clock,
    });
    await fail(breaker);
    clock.advance(1_000);
    await fail(breaker);
    clock.advance(2_000);
    await succeed(breaker);

    await fail(breaker);

    expect(breaker.circuitState).toMatchObject({
      name: 'open',
      reopenCount: 0,
      retryAt: clock.now() + 1_000,
    });
  });

  it('describes the open state with when it opened and when it retries', async () => {
    const clock = new FakeClock(10_000);
    const breaker = new CircuitBreaker({ failureThreshold: 1, recoveryTimeout: 500, clock });

    await fail(breaker);

    expect(breaker.circuitState).toEqual({
      name: 'open',
      openedAt: 10_000,
      retryAt: 10_500,
      reopenCount: 0,
    });
  });

  it('rejects a call that is not a function with a TypeError', async () => {
    const breaker = new CircuitBreaker({ clock: new FakeClock() });

    const call = breaker.execute('fetch' as never);

    await expect(call).rejects.toThrow(TypeError);
    expect(breaker.stats().calls).toBe(0);
  });
});
