/** A source of wall-clock time in milliseconds; inject one to test expiry with fake time. */
export interface Clock {
  now(): number;
}

// Read Date.now at call time (not a captured reference) so fake timers installed later still apply.
export const systemClock: Clock = { now: () => Date.now() };
