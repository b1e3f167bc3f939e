import type { ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import type { ToolProgress } from '../catalog/index.js';

/** What a tool handler's `extra` offers for progress (the SDK's RequestHandlerExtra fits). */
export interface ProgressChannel {
  _meta?: { progressToken?: string | number } | undefined;
  sendNotification(notification: ServerNotification): Promise<void>;
}

/**
 * Sends `notifications/progress` under the request's progress token; `undefined` when the caller
 * asked for none, so no work is done for progress nobody reads. A failed send is dropped: a
 * client that went away cannot take progress, and the work goes on.
 */
export function progressReporter(
  extra: ProgressChannel,
): ((progress: ToolProgress) => void) | undefined {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return undefined;
  return (progress) => {
    extra
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken, ...progress },
      })
      .catch(() => {});
  };
}
