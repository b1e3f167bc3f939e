// The auth layer: x-server as an OAuth 2.1 resource server (token checks, RFC 9728 metadata),
// what each caller may use (grants) and how often (rate limits).
export {
  Access,
  accessOf,
  attachAccess,
  type CallLimiter,
  currentAccess,
  ForbiddenError,
  GrantTable,
  runAs,
} from './access.js';
export {
  bearerFetch,
  type ClientCredentialsOptions,
  ClientCredentialsToken,
} from './client-credentials.js';
export {
  RateLimitedError,
  RateLimiter,
  type RateLimitOptions,
  type RateLimitStore,
  SharedRateLimiter,
} from './rate-limit.js';
export { ResourceServer, type ResourceServerOptions } from './resource-server.js';
export { type IssuerMetadata, metadataUrls, principalOf, TokenVerifier } from './verifier.js';
