import { afterEach, describe, expect, it, vi } from 'vitest';
import { Scheduler, systemClock } from '../src/index.js';
import { flush, gate, ManualClock } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('systemClock', () => {
  it('keeps its timers referenced, since they guard work a caller awaits', () => {
    const handle = systemClock.setTimeout(() => undefined, 1_000) as NodeJS.Timeout;

    const referenced = handle.hasRef();
    systemClock.clearTimeout(handle);

    expect(referenced).toBe(true);
  });

  it('uses fake timers installed after it was imported', () => {
    vi.useFakeTimers({ now: 5_000 });
    const fired = vi.fn();

    systemClock.setTimeout(fired, 100);
    vi.advanceTimersByTime(100);

    expect(fired).toHaveBeenCalledOnce();
    expect(systemClock.now()).toBe(5_100);
  });

  it('clears a timer', () => {
    vi.useFakeTimers();
    const fired = vi.fn();

    systemClock.clearTimeout(systemClock.setTimeout(fired, 100));
    vi.advanceTimersByTime(200);

    expect(fired).not.toHaveBeenCalled();
  });
});

describe('scheduler timers', () => {
  it('sets no timer for a plain task, waiting or running', async () => {
    const clock = new ManualClock();
    const scheduler = new Scheduler({ clock, onDeadlineMiss: 'reject' });
    const blocker = gate();
    const running = scheduler.add(() => blocker.promise, { priority: 1 });
    void scheduler.add(async () => 2);
    await flush();

    expect(clock.pendingTimers).toBe(0);
    blocker.open();
    await running;
  });

  it("keeps a running task's timeout timer until the task settles", async () => {
    const clock = new ManualClock();
    const scheduler = new Scheduler({ clock });
    const blocker = gate<string>();
    const task = scheduler.add(() => blocker.promise, { timeout: 5_000 });
    await flush();

    expect(clock.pendingTimers).toBe(1);
    blocker.open('done');
    await expect(task).resolves.toBe('done');
    expect(clock.pendingTimers).toBe(0);
  });

  it('clears the timeout timer when a running task is cancelled', async () => {
    const clock = new ManualClock();
    const scheduler = new Scheduler({ clock });
    const controller = new AbortController();
    const task = scheduler.add(() => new Promise(() => {}), {
      timeout: 5_000,
      signal: controller.signal,
    });
    await flush();

    controller.abort();

    await expect(task).rejects.toMatchObject({ name: 'AbortError' });
    expect(clock.pendingTimers).toBe(0);
  });

  it('sets no timer for the timeout of a task that still waits', () => {
    const clock = new ManualClock();
    const scheduler = new Scheduler({ clock, autoStart: false });

    void scheduler.add(async () => 1, { timeout: 5_000 });

    expect(clock.pendingTimers).toBe(0);
  });

  it("sets no deadline timer under 'run': a miss is noticed when the task starts", () => {
    const clock = new ManualClock(0);
    const scheduler = new Scheduler({ clock, autoStart: false });

    void scheduler.add(async () => 1, { deadline: 100 });

    expect(clock.pendingTimers).toBe(0);
  });

  it.each(['reject', 'drop'] as const)(
    "keeps one deadline timer while tasks wait under '%s', and none once they leave",
    async (onDeadlineMiss) => {
      const clock = new ManualClock(0);
      const scheduler = new Scheduler({ clock, onDeadlineMiss, autoStart: false });
      const controller = new AbortController();
      const cancelled = scheduler.add(async () => 1, {
        deadline: 100,
        signal: controller.signal,
      });
      void scheduler.add(async () => 2, { id: 'cleared', deadline: 200 });
      expect(clock.pendingTimers).toBe(1);

      controller.abort();
      await expect(cancelled).rejects.toMatchObject({ name: 'AbortError' });
      expect(clock.pendingTimers).toBe(1);
      scheduler.clear();

      expect(clock.pendingTimers).toBe(0);
    },
  );

  it('clears the deadline timer when the last waiting task expires', async () => {
    const clock = new ManualClock(0);
    const scheduler = new Scheduler({ clock, onDeadlineMiss: 'drop', autoStart: false });
    const dropped = scheduler.add(async () => 1, { deadline: 100 });

    clock.advance(101);

    await expect(dropped).resolves.toBeUndefined();
    expect(clock.pendingTimers).toBe(0);
  });
});
