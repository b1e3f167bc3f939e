// The config layer: schema (with every default), loading, environment overrides.
export { type DefaultDirs, type DefaultDirsOptions, defaultDirs } from './dirs.js';
export { applyEnv, envOverrides } from './env.js';
export { configProblems, type LoadConfigOptions, loadConfig, parseConfig } from './load.js';
export type { PeerConfig } from './peer-schema.js';
export { peerPrefix, peerSchema } from './peer-schema.js';
export {
  categoryName,
  configSchema,
  type GatewayConfig,
  type HttpAuthConfig,
  type HttpConfig,
  type XServerConfig,
  type XServerConfigInput,
} from './schema.js';
