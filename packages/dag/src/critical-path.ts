import type { CompiledGraph } from './graph.js';
import type { StepResult } from './types.js';

/**
 * The longest chain of step durations through the dependency graph, in ms: the least time the
 * run could have taken with unbounded concurrency. Steps that never ran (skipped) count 0 but
 * still link their dependencies to their dependents. O(V + E), in topological order.
 */
export function criticalPathMs(graph: CompiledGraph, results: readonly StepResult[]): number {
  const finish = new Float64Array(graph.ids.length);
  let longest = 0;
  for (const i of graph.order) {
    let start = 0;
    for (const j of graph.deps[i]!) if (finish[j]! > start) start = finish[j]!;
    const end = start + (results[i]!.durationMs ?? 0);
    finish[i] = end;
    if (end > longest) longest = end;
  }
  return longest;
}
