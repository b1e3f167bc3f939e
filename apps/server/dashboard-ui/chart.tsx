import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Snapshot } from './types.js';

const css = (name: string) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim();

function data(series: Snapshot['series'], slotSeconds: number): uPlot.AlignedData {
  const x = series.calls.map((_, i) => series.startSecond + i * slotSeconds);
  const perSecond = (values: number[]) => values.map((value) => value / slotSeconds);
  return [x, perSecond(series.calls), perSecond(series.errors)];
}

/** Calls and errors per second over the window, every tool together (uPlot). */
export function Throughput({ snapshot }: { snapshot: Snapshot }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const axis = {
      stroke: css('--muted'),
      grid: { stroke: css('--grid') },
      ticks: { stroke: css('--grid') },
    };
    plot.current = new uPlot(
      {
        width: Math.max(300, element.clientWidth),
        height: 200,
        series: [
          {},
          { label: 'calls/s', stroke: css('--accent'), width: 2, fill: css('--accent-fill') },
          { label: 'errors/s', stroke: css('--bad'), width: 2 },
        ],
        axes: [axis, axis],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      },
      data(snapshot.series, snapshot.slotSeconds),
      element,
    );
    const resize = () =>
      plot.current?.setSize({ width: Math.max(300, element.clientWidth), height: 200 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(data(snapshot.series, snapshot.slotSeconds));
  }, [snapshot]);

  return (
    <div class="chart" ref={box} role="img" aria-label="Calls and errors per second, every tool" />
  );
}
