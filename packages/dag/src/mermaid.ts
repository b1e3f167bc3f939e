import type { CompiledGraph } from './graph.js';
import type { RunResult, StepOutcome } from './types.js';

const CLASS_DEFS: Readonly<Record<StepOutcome, string>> = {
  succeeded: 'fill:#d3f9d8,stroke:#2b8a3e',
  failed: 'fill:#ffe3e3,stroke:#c92a2a',
  skipped: 'fill:#f1f3f5,stroke:#868e96,stroke-dasharray:4 3',
  cancelled: 'fill:#fff3bf,stroke:#e67700',
};

/**
 * A Mermaid flowchart, dependencies pointing at their dependents. Node names are generated
 * (`s0`, `s1`, …) because step ids may hold characters Mermaid reserves; the id is the label.
 * With a run result, each step gets a class named after its status.
 */
export function renderMermaid(graph: CompiledGraph, result?: RunResult): string {
  const lines = ['flowchart TD'];
  graph.ids.forEach((id, i) => {
    lines.push(`  s${i}["${escapeLabel(id)}"]`);
  });
  graph.deps.forEach((deps, i) => {
    for (const j of deps) lines.push(`  s${j} --> s${i}`);
  });
  if (result !== undefined) {
    const byStatus = new Map<StepOutcome, string[]>();
    graph.ids.forEach((id, i) => {
      const status = result.steps[id]?.status;
      if (status === undefined) return;
      const nodes = byStatus.get(status) ?? [];
      nodes.push(`s${i}`);
      byStatus.set(status, nodes);
    });
    for (const [status, nodes] of byStatus) {
      lines.push(`  classDef ${status} ${CLASS_DEFS[status]}`);
      lines.push(`  class ${nodes.join(',')} ${status}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function escapeLabel(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}
