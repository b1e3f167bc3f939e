import { CircuitBreaker } from '@x/breaker';
import {
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
  SamplingBreaker,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import Opossum from 'opossum';
import { defineSuite } from '../types.js';

const OURS = '@x/breaker';
/** The trivial backend call every contender guards. */
const trivial = async (): Promise<number> => 42;
const failing = async (): Promise<never> => {
  throw new Error('backend down');
};
const swallow = (): undefined => undefined;
/** opossum breakers keep a rolling-stats interval until shut down. */
const opossums: Opossum[] = [];

// Each contender gets its own breaker so no state is shared across workloads.
function ours(options: ConstructorParameters<typeof CircuitBreaker>[0] = {}) {
  return new CircuitBreaker({ name: 'bench', ...options });
}

function cockatielConsecutive() {
  return circuitBreaker(handleAll, {
    halfOpenAfter: 60_000,
    breaker: new ConsecutiveBreaker(5),
  });
}

export default defineSuite({
  package: 'breaker',
  description:
    'One call of a trivial async function through a closed circuit breaker, and one rejected call while it is open. opossum runs with its defaults (10 s timeout on, rolling-window stats).',
  workloads: () => {
    const oursClosed = ours();
    const oursTimeout = ours({ timeout: 10_000 });
    const oursWindow = ours({ window: { type: 'time', durationMs: 10_000, minimumCalls: 20 } });
    const cockatielClosed = cockatielConsecutive();
    const cockatielTimeout = wrap(
      timeout(10_000, TimeoutStrategy.Cooperative),
      cockatielConsecutive(),
    );
    const cockatielWindow = circuitBreaker(handleAll, {
      halfOpenAfter: 60_000,
      breaker: new SamplingBreaker({ threshold: 0.5, duration: 10_000, minimumRps: 2 }),
    });
    const opossumClosed = new Opossum(trivial);
    opossums.push(opossumClosed);

    const oursOpen = ours({ failureThreshold: 1, recoveryTimeout: 3_600_000 });
    const cockatielOpen = circuitBreaker(handleAll, {
      halfOpenAfter: 3_600_000,
      breaker: new ConsecutiveBreaker(1),
    });
    const opossumOpen = new Opossum(failing);
    opossums.push(opossumOpen);

    return [
      {
        name: 'closed: one call (consecutive-failures breaker)',
        ours: OURS,
        goal: 'at least as fast as cockatiel, at least 3x opossum',
        contenders: [
          { name: OURS, run: () => oursClosed.execute(trivial) },
          { name: 'cockatiel', run: () => cockatielClosed.execute(trivial) },
          { name: 'opossum', run: () => opossumClosed.fire() },
        ],
      },
      {
        name: 'closed: one call with a 10 s timeout',
        ours: OURS,
        contenders: [
          { name: OURS, run: () => oursTimeout.execute(trivial) },
          { name: 'cockatiel', run: () => cockatielTimeout.execute(trivial) },
          { name: 'opossum', run: () => opossumClosed.fire() },
        ],
      },
      {
        name: 'closed: one call (10 s sliding-window breaker)',
        ours: OURS,
        contenders: [
          { name: OURS, run: () => oursWindow.execute(trivial) },
          { name: 'cockatiel', run: () => cockatielWindow.execute(trivial) },
          { name: 'opossum', run: () => opossumClosed.fire() },
        ],
      },
      {
        name: 'open: one rejected call',
        ours: OURS,
        contenders: [
          {
            name: OURS,
            setup: () => oursOpen.execute(failing).catch(swallow),
            run: () => oursOpen.execute(trivial).catch(swallow),
          },
          {
            name: 'cockatiel',
            setup: () => cockatielOpen.execute(failing).catch(swallow),
            run: () => cockatielOpen.execute(trivial).catch(swallow),
          },
          {
            name: 'opossum',
            setup: () => opossumOpen.open(),
            run: () => opossumOpen.fire().catch(swallow),
          },
        ],
      },
    ];
  },
  teardown: () => {
    for (const breaker of opossums.splice(0)) breaker.shutdown();
  },
});
