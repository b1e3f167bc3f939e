import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite';
import Keyv from 'keyv';
import * as vitest from 'vitest';
import { DiskStore, MemoryCache, MemoryKeyvAdapter } from '../src/index.js';
import { tempDir } from './helpers.js';

// The official Keyv v5 compliance suites. Each `store()` call must return a distinct adapter
// (Keyv writes its namespace onto the adapter), all sharing one underlying store.

vitest.describe('DiskStore passes @keyv/test-suite', () => {
  const { dir, remove } = tempDir();
  const opened: DiskStore[] = [];
  const store = () => {
    const disk = new DiskStore({ dir, sweepIntervalMs: 0 });
    opened.push(disk);
    return disk;
  };
  vitest.afterAll(async () => {
    await Promise.all(opened.map((disk) => disk.close()));
    remove();
  });

  keyvTestSuite(vitest, Keyv, store);
  keyvIteratorTests(vitest, Keyv, store);
});

vitest.describe('MemoryKeyvAdapter passes @keyv/test-suite', () => {
  const cache = new MemoryCache({ max: 1_000 });
  const store = () => new MemoryKeyvAdapter(cache);

  keyvTestSuite(vitest, Keyv, store);
  keyvIteratorTests(vitest, Keyv, store);
});
