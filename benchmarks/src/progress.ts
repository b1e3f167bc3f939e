/**
 * One status line on a terminal (rewritten in place), plain lines otherwise so CI logs stay
 * readable.
 */
export interface Progress {
  update(message: string): void;
  clear(): void;
}

export function createProgress(stream: NodeJS.WriteStream): Progress {
  if (!stream.isTTY) {
    let last = '';
    return {
      update(message) {
        // One line per workload and round is enough in a log; contender changes are noise.
        const head = message.split(' · ').slice(0, 2).join(' · ');
        if (head !== last) stream.write(`${head}\n`);
        last = head;
      },
      clear() {},
    };
  }
  const width = Math.max(20, (stream.columns ?? 80) - 1);
  return {
    update(message) {
      stream.write(`\r\x1b[2K${message.slice(0, width)}`);
    },
    clear() {
      stream.write('\r\x1b[2K');
    },
  };
}
