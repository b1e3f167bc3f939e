// The transport layer: Streamable HTTP and stdio, with the request checks in front of HTTP.
export { type HttpStats, HttpTransport } from './http.js';
export { type StdioOptions, StdioTransport } from './stdio.js';
export type { McpHost, ServerTransport } from './types.js';
