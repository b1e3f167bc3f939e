import type { McpServer } from '@modelcontextprotocol/server';

/** The bare SDK 2 server's factory: a new McpServer with `echo`, `work`, `lookup`, `executions`. */
export function createBareServer(): McpServer;
