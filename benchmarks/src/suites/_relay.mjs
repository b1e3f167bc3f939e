#!/usr/bin/env node
/**
 * The floor of an extra process hop: a Node process that relays newline-delimited JSON-RPC between
 * its stdin/stdout and a stdio peer it starts, with the least a gateway must do to each message —
 * parse it, give a request an id of its own (and the answer the caller's back), rename a tool
 * called by its prefixed name to the peer's name, serialize it. No cache, breaker, scheduler,
 * validation or telemetry. The gateway suite measures x-server's hop against it.
 *
 *   node _relay.mjs --prefix <prefix> -- <peer command> [peer args...]
 */
import { spawn } from 'node:child_process';

const argv = process.argv.slice(2);
const split = argv.indexOf('--');
const prefixAt = argv.indexOf('--prefix');
if (split === -1 || split + 1 >= argv.length) {
  process.stderr.write('usage: _relay.mjs --prefix <prefix> -- <peer command> [args...]\n');
  process.exit(2);
}
const prefix = prefixAt !== -1 && prefixAt < split ? argv[prefixAt + 1] : '';
const [command, ...args] = argv.slice(split + 1);
const peer = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });

/** The caller's id of each request sent on, by the relay's own id. */
const callers = new Map();
let nextId = 1;

function readLines(stream, onMessage) {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buffered += chunk;
    let end = buffered.indexOf('\n');
    while (end !== -1) {
      const line = buffered.slice(0, end).trim();
      buffered = buffered.slice(end + 1);
      if (line) onMessage(JSON.parse(line));
      end = buffered.indexOf('\n');
    }
  });
}

readLines(process.stdin, (message) => {
  if (message.method !== undefined && message.id !== undefined) {
    const id = nextId++;
    callers.set(id, message.id);
    message.id = id;
  }
  const name = message.method === 'tools/call' ? message.params?.name : undefined;
  if (typeof name === 'string' && prefix && name.startsWith(prefix)) {
    message.params.name = name.slice(prefix.length);
  }
  peer.stdin.write(`${JSON.stringify(message)}\n`);
});

readLines(peer.stdout, (message) => {
  if (message.method === undefined && callers.has(message.id)) {
    const id = message.id;
    message.id = callers.get(id);
    callers.delete(id);
  }
  process.stdout.write(`${JSON.stringify(message)}\n`);
});

const stop = () => {
  peer.kill();
  process.exit(0);
};
process.stdin.on('end', stop);
process.on('SIGTERM', stop);
peer.on('exit', (code) => process.exit(code ?? 1));
