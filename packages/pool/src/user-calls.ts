import { CreateTimeoutError, DestroyTimeoutError } from './errors.js';
import type { Emitter, PeerPoolEvents } from './events.js';
import type { ResolvedOptions } from './options.js';
import { type StartTimer, withTimeout } from './timers.js';

// Calls into the user's create / validate / destroy, made total and bounded: a synchronous
// throw becomes a rejection, and no call can keep the pool waiting past its timeout. Each timeout
// is started by `startTimer`: the peer's guard timers, ref'd only while someone awaits the work.

/** `create`, bounded by `createTimeoutMs`; a connection delivered after that goes to `onLate`. */
export function callCreate<Conn extends object>(
  options: ResolvedOptions<Conn>,
  peerId: string,
  startTimer: StartTimer,
  onLate: (conn: Conn) => void,
): Promise<Conn> {
  return withTimeout(
    new Promise<Conn>((resolve) => resolve(options.create(peerId))),
    startTimer,
    options.createTimeoutMs,
    () => new CreateTimeoutError(peerId, options.createTimeoutMs),
    onLate,
  );
}

/** `validate`, as a boolean: a falsy result, a throw, a rejection or a timeout mean `false`. */
export function callValidate<Conn extends object>(
  options: ResolvedOptions<Conn>,
  peerId: string,
  conn: Conn,
  startTimer: StartTimer,
): Promise<boolean> {
  const validate = options.validate!;
  return withTimeout(
    new Promise<boolean>((resolve) => resolve(validate(conn, peerId))),
    startTimer,
    options.validateTimeoutMs,
    () => new Error('validate timed out'),
  ).then(Boolean, () => false);
}

/** `destroy`; always resolves, within `destroyTimeoutMs`, reporting failures as events. */
export function callDestroy<Conn extends object>(
  options: ResolvedOptions<Conn>,
  events: Emitter<PeerPoolEvents<Conn>>,
  peerId: string,
  conn: Conn,
  startTimer: StartTimer,
): Promise<void> {
  return withTimeout(
    new Promise<unknown>((resolve) => resolve(options.destroy(conn, peerId))),
    startTimer,
    options.destroyTimeoutMs,
    () => new DestroyTimeoutError(peerId, options.destroyTimeoutMs),
  ).then(
    () => undefined,
    (error: unknown) => events.emit('destroyError', { peerId, conn, error }),
  );
}
