import type { Clock, TimerHandle } from '../../src/index.js';

interface Timer {
  at: number;
  callback: () => void;
  /** Whether the timer would keep a real process alive (Node's default until `unref()`). */
  refed: boolean;
}

/** A clock that moves only when the test calls `advance()`; it never touches real timers. */
export class ManualClock implements Clock {
  #now = 0;
  #timers = new Map<TimerHandle, Timer>();

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const handle = this.#handle();
    this.#timers.set(handle, { at: this.#now + ms, callback, refed: true });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle);
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Number of timers waiting to fire that would keep a real process alive. */
  get refedTimers(): number {
    let count = 0;
    for (const timer of this.#timers.values()) if (timer.refed) count++;
    return count;
  }

  #handle(): TimerHandle {
    const handle: TimerHandle = {
      unref: () => {
        const timer = this.#timers.get(handle);
        if (timer) timer.refed = false;
        return handle;
      },
      ref: () => {
        const timer = this.#timers.get(handle);
        if (timer) timer.refed = true;
        return handle;
      },
    };
    return handle;
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: [TimerHandle, Timer] | undefined;
      for (const entry of this.#timers) if (!next || entry[1].at < next[1].at) next = entry;
      if (next === undefined || next[1].at > end) break;
      const [handle, timer] = next;
      this.#now = timer.at;
      this.#timers.delete(handle);
      timer.callback();
    }
    this.#now = end;
  }
}
