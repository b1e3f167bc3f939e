import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../src/index.js';

/** A fresh temporary directory per call, removed by the returned cleanup. */
export function tempDir(prefix = 'x-cache-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One timer of a {@link ManualClock}, as a test sees it. */
export interface ManualTimer {
  ms: number;
  /** False once the code under test called the handle's `unref()`. */
  ref: boolean;
}

/** A hand-driven {@link Clock}: tests move time with `advance`, never by sleeping. */
export interface ManualClock extends Clock {
  /** Moves time forward, firing the timers that fall due, in order. */
  advance(ms: number): void;
  /** The timers set and not yet fired or cleared. */
  pending(): ManualTimer[];
}

export function manualClock(start = 1_700_000_000_000): ManualClock {
  let t = start;
  let seq = 0;
  const timers = new Map<number, { at: number; callback: () => void; timer: ManualTimer }>();
  return {
    now: () => t,
    setTimeout(callback, ms) {
      const id = ++seq;
      const timer: ManualTimer = { ms, ref: true };
      timers.set(id, { at: t + Math.max(0, ms), callback, timer });
      return {
        id,
        unref() {
          timer.ref = false;
          return this;
        },
      };
    },
    clearTimeout(handle) {
      timers.delete((handle as { id: number }).id);
    },
    advance(ms) {
      const target = t + ms;
      for (;;) {
        let next: [number, { at: number; callback: () => void }] | undefined;
        for (const entry of timers) if (!next || entry[1].at < next[1].at) next = entry;
        if (!next || next[1].at > target) break;
        timers.delete(next[0]);
        t = Math.max(t, next[1].at);
        next[1].callback();
      }
      t = target;
    },
    pending: () => [...timers.values()].map((entry) => entry.timer),
  };
}

/** Resolves after the current macrotask: not a wait for time, a turn of the event loop. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve)).then(
    () => new Promise((resolve) => setTimeout(resolve, 0)),
  );
}

/** A Keyv adapter that never answers, like a hung connection. */
export class HangingStore extends EventEmitter {
  opts = {};
  namespace: string | undefined;
  get = (): Promise<undefined> => new Promise(() => {});
  set = (): Promise<boolean> => new Promise(() => {});
  delete = (): Promise<boolean> => new Promise(() => {});
  clear = (): Promise<void> => new Promise(() => {});
}
