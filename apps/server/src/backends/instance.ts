import { hostname } from 'node:os';
import type { XServerConfig } from '../config/index.js';

/** This instance's name: `cluster.instanceId`, else `<hostname>:<pid>`. */
export function instanceIdOf(config: Pick<XServerConfig, 'cluster'>): string {
  return config.cluster.instanceId ?? `${hostname()}:${process.pid}`;
}
