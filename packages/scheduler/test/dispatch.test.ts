import { describe, expect, it } from 'vitest';
import { Scheduler } from '../src/index.js';
import { flush, gate, ManualClock } from './helpers.js';

describe('Scheduler dispatch (how slots are taken and freed)', () => {
  it('frees the slot of a task that throws synchronously and starts the next', async () => {
    const scheduler = new Scheduler({ concurrency: 1 });
    const boom = new Error('sync boom');

    const failed = scheduler.add(() => {
      throw boom;
    });
    const next = scheduler.add(() => 'next');

    await expect(failed).rejects.toBe(boom);
    await expect(next).resolves.toBe('next');
    expect(scheduler.stats()).toMatchObject({ failed: 1, completed: 1, running: 0, queued: 0 });
  });

  it('runs a long queue of synchronous tasks at concurrency 1 without growing the stack', async () => {
    const scheduler = new Scheduler({ concurrency: 1, autoStart: false });
    const count = 50_000;
    let ran = 0;
    for (let i = 0; i < count; i++) void scheduler.add(() => ran++, { priority: i % 7 });

    scheduler.start();
    await scheduler.onIdle();

    expect(ran).toBe(count);
    expect(scheduler.stats()).toMatchObject({ completed: count, running: 0, queued: 0 });
  });

  it('counts a task before the caller awaiting it resumes', async () => {
    const scheduler = new Scheduler({ concurrency: 1 });
    const task = gate<string>();

    const result = scheduler.add(() => task.promise);
    task.open('done');

    await expect(result).resolves.toBe('done');
    expect(scheduler.stats()).toMatchObject({ completed: 1, running: 0 });
  });

  it('resolves onIdle() once clear() empties a paused scheduler', async () => {
    const scheduler = new Scheduler({ autoStart: false });
    const cleared = [scheduler.add(async () => 1), scheduler.add(async () => 2, { id: 'two' })];
    let idle = false;
    void scheduler.onIdle().then(() => {
      idle = true;
    });
    await flush();
    expect(idle).toBe(false);

    scheduler.clear();
    await flush();

    expect(idle).toBe(true);
    for (const p of cleared) await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('resolves onIdle() when the last waiting task is dropped at its deadline', async () => {
    const clock = new ManualClock(0);
    const scheduler = new Scheduler({ clock, onDeadlineMiss: 'drop', autoStart: false });
    const dropped = scheduler.add(async () => 'never', { deadline: 100 });
    let idle = false;
    void scheduler.onIdle().then(() => {
      idle = true;
    });

    clock.advance(101);
    await flush();

    expect(idle).toBe(true);
    await expect(dropped).resolves.toBeUndefined();
    expect(scheduler.stats()).toMatchObject({ expired: 1, queued: 0 });
  });

  it('starts the next task when a running one is cancelled by its signal', async () => {
    const scheduler = new Scheduler({ concurrency: 1 });
    const controller = new AbortController();
    const hung = scheduler.add(() => new Promise(() => {}), { signal: controller.signal });
    const next = scheduler.add(async () => 'next');
    await flush();
    expect(scheduler.stats()).toMatchObject({ running: 1, queued: 1 });

    controller.abort();

    await expect(hung).rejects.toMatchObject({ name: 'AbortError' });
    await expect(next).resolves.toBe('next');
    expect(scheduler.stats()).toMatchObject({ cancelled: 1, completed: 1, running: 0 });
  });
});
