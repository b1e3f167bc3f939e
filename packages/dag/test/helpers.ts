import { vi } from 'vitest';

/** Runs the workflow (or any promise driven by fake timers) to the end on fake time. */
export async function settle<T>(promise: Promise<T>): Promise<T> {
  await vi.runAllTimersAsync();
  return promise;
}

/** Resolves after `ms` of (fake) time; rejects with the signal's reason when it fires. */
export function delay<T>(ms: number, value?: T, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => resolve(value as T), ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}
