import { useEffect, useRef, useState } from 'preact/hooks';
import type { RunSummary } from './types.js';

interface Mermaid {
  initialize(config: Record<string, unknown>): void;
  render(id: string, text: string): Promise<{ svg: string }>;
}

let loading: Promise<Mermaid> | undefined;

/** Loads the bundled mermaid (`/dashboard/mermaid.js`) on first use. */
function loadMermaid(): Promise<Mermaid> {
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/dashboard/mermaid.js';
    script.onload = () => {
      const mermaid = (globalThis as unknown as { xMermaid: Mermaid }).xMermaid;
      // The run's graph colours its nodes by status (light fills): mermaid's light theme, on a
      // light panel in dark mode too (style.css), keeps their labels readable.
      mermaid.initialize({
        startOnLoad: false,
        securityLevel: 'strict',
        theme: 'default',
      });
      resolve(mermaid);
    };
    script.onerror = () => reject(new Error('mermaid.js did not load'));
    document.head.append(script);
  });
  return loading;
}

const rendered = new Map<number, string>();
let renders = 0;

/** A run's graph, rendered from the Mermaid text the run produced (once per run). */
export function RunDiagram({ run }: { run: RunSummary }) {
  const box = useRef<HTMLDivElement>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const show = (svg: string) => {
      if (live && box.current) box.current.innerHTML = svg;
    };
    const known = rendered.get(run.id);
    if (known) return show(known);
    loadMermaid()
      .then((mermaid) => mermaid.render(`run-diagram-${run.id}-${renders++}`, run.mermaid))
      .then(({ svg }) => {
        rendered.set(run.id, svg);
        // Runs are kept ten at a time: so are their pictures.
        for (const id of rendered.keys()) if (rendered.size > 20) rendered.delete(id);
        show(svg);
      })
      .catch((error: Error) => live && setProblem(error.message));
    return () => {
      live = false;
    };
  }, [run.id]);

  return (
    <figure class="diagram">
      <div ref={box} data-run={run.id} />
      {problem && <figcaption class="bad">Diagram failed: {problem}</figcaption>}
    </figure>
  );
}
