import type { McpServer } from '@modelcontextprotocol/server';

/** The bare SDK 2 server's factory: a new McpServer with its one `echo` tool. */
export function createBareServer(): McpServer;
