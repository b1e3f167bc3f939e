import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { XServer } from '../server.js';

/**
 * Serves one MCP client over stdin/stdout. `onDisconnect` fires when the client closes stdin,
 * which is how stdio clients say goodbye.
 */
export async function serveStdio(
  app: XServer,
  options: { stdin?: Readable; stdout?: Writable; onDisconnect?: () => void } = {},
): Promise<{ close(): Promise<void> }> {
  const stdin = options.stdin ?? process.stdin;
  const server = app.createMcpServer();
  const transport = new StdioServerTransport(stdin, options.stdout ?? process.stdout);
  const onEnd = () => options.onDisconnect?.();
  stdin.once('end', onEnd);
  await server.connect(transport);
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        stdin.off('end', onEnd);
        await server.close();
      })();
      return closing;
    },
  };
}
