import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { installShutdownHooks, type ProcessLike, TelemetryBatcher } from '../src/index.js';
import { InstantExporter, ManualExporter, makeSpan, seqOf } from './helpers/recording-exporter.js';

class FakeProcess extends EventEmitter implements ProcessLike {
  readonly pid = 4242;
  readonly kill = vi.fn();
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('installShutdownHooks', () => {
  it('shuts the batcher down on SIGTERM, then re-raises the signal', async () => {
    const proc = new FakeProcess();
    const exporter = new InstantExporter();
    const batcher = new TelemetryBatcher({ exporter });
    installShutdownHooks(batcher, { process: proc });
    batcher.add(makeSpan(0));

    proc.emit('SIGTERM', 'SIGTERM');
    await settle();

    expect(exporter.spans.map(seqOf)).toEqual([0]);
    expect(batcher.closed).toBe(true);
    expect(proc.kill).toHaveBeenCalledWith(4242, 'SIGTERM');
    expect(proc.listenerCount('SIGTERM')).toBe(0);
  });

  it('re-raises only after the exports in flight are done', async () => {
    const proc = new FakeProcess();
    const exporter = new ManualExporter();
    const batcher = new TelemetryBatcher({ exporter });
    installShutdownHooks(batcher, { process: proc });
    batcher.add(makeSpan(0));

    proc.emit('SIGINT', 'SIGINT');
    await settle();
    expect(proc.kill).not.toHaveBeenCalled();
    exporter.succeedNext();
    await settle();

    expect(proc.kill).toHaveBeenCalledWith(4242, 'SIGINT');
  });

  it('keeps existing handlers and does not re-raise while one of them remains', async () => {
    const proc = new FakeProcess();
    const existing = vi.fn();
    proc.on('SIGTERM', existing);
    const batcher = new TelemetryBatcher({ exporter: new InstantExporter() });
    installShutdownHooks(batcher, { process: proc });

    proc.emit('SIGTERM', 'SIGTERM');
    await settle();

    expect(existing).toHaveBeenCalledTimes(1);
    expect(batcher.closed).toBe(true);
    expect(proc.kill).not.toHaveBeenCalled();
  });

  it('re-raises at once on a second signal while the first shutdown still waits', async () => {
    const proc = new FakeProcess();
    const batcher = new TelemetryBatcher({ exporter: new ManualExporter() });
    installShutdownHooks(batcher, { process: proc });
    batcher.add(makeSpan(0));

    proc.emit('SIGINT', 'SIGINT');
    await settle();
    proc.emit('SIGINT', 'SIGINT');

    expect(proc.kill).toHaveBeenCalledWith(4242, 'SIGINT');
  });

  it('flushes on beforeExit when spans are queued', async () => {
    const proc = new FakeProcess();
    const exporter = new InstantExporter();
    const batcher = new TelemetryBatcher({ exporter });
    installShutdownHooks(batcher, { process: proc });
    batcher.add(makeSpan(0));

    proc.emit('beforeExit', 0);
    await settle();

    expect(exporter.spans.map(seqOf)).toEqual([0]);
  });

  it('writes the queue synchronously on exit', () => {
    const proc = new FakeProcess();
    const exporter = new InstantExporter();
    const batcher = new TelemetryBatcher({ exporter });
    installShutdownHooks(batcher, { process: proc });
    batcher.add(makeSpan(0));

    proc.emit('exit', 0);

    expect(exporter.syncBatches.map((batch) => batch.map(seqOf))).toEqual([[0]]);
  });

  it('removes every listener it added when uninstalled', () => {
    const proc = new FakeProcess();
    const batcher = new TelemetryBatcher({ exporter: new InstantExporter() });
    const uninstall = installShutdownHooks(batcher, { process: proc, signals: ['SIGHUP'] });

    uninstall();
    uninstall();

    expect(proc.eventNames()).toEqual([]);
  });

  it('throws a TypeError when given no batcher or bad signals', () => {
    expect(() => installShutdownHooks(undefined as never)).toThrow(TypeError);
    const batcher = new TelemetryBatcher({ exporter: new InstantExporter() });
    expect(() => installShutdownHooks(batcher, { signals: 'SIGTERM' as never })).toThrow(/signals/);
  });
});
