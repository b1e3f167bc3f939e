import { CycleError, MissingDependencyError } from './errors.js';

/** What the graph algorithms need to know about one step. */
export interface GraphNode {
  readonly id: string;
  readonly needs: readonly string[];
  /** Relative cost, used to find the longest remaining path. */
  readonly weight: number;
}

/** A validated graph in index form: every array is indexed by declaration order. */
export interface CompiledGraph {
  readonly ids: readonly string[];
  readonly deps: readonly (readonly number[])[];
  readonly dependents: readonly (readonly number[])[];
  /** A topological order (Kahn's algorithm, declaration order among equals). */
  readonly order: readonly number[];
  /** Longest path, by weight, from each step to the end of the graph, the step included. */
  readonly remaining: readonly number[];
  /** Length, in steps, of the longest path from a source to each step (0 for sources). */
  readonly depth: readonly number[];
  readonly edges: number;
}

/**
 * Validates and indexes the graph in O(V + E). Throws {@link MissingDependencyError} for the
 * first unknown dependency and {@link CycleError} with the path of one cycle.
 */
export function compileGraph(nodes: readonly GraphNode[]): CompiledGraph {
  const count = nodes.length;
  const index = new Map<string, number>();
  for (let i = 0; i < count; i++) index.set(nodes[i]!.id, i);

  const deps: number[][] = new Array(count);
  const dependents: number[][] = new Array(count);
  for (let i = 0; i < count; i++) dependents[i] = [];
  let edges = 0;
  for (let i = 0; i < count; i++) {
    const node = nodes[i]!;
    const own: number[] = [];
    for (const need of node.needs) {
      const j = index.get(need);
      if (j === undefined) throw new MissingDependencyError(node.id, need);
      own.push(j);
      dependents[j]!.push(i);
      edges++;
    }
    deps[i] = own;
  }

  const waiting = new Int32Array(count);
  const order: number[] = [];
  for (let i = 0; i < count; i++) {
    waiting[i] = deps[i]!.length;
    if (waiting[i] === 0) order.push(i);
  }
  // `order` doubles as Kahn's FIFO queue: everything before `head` is emitted.
  for (let head = 0; head < order.length; head++) {
    for (const d of dependents[order[head]!]!) {
      if (--waiting[d]! === 0) order.push(d);
    }
  }
  if (order.length < count) throw new CycleError(findCycle(nodes, deps, waiting));

  const depth = new Array<number>(count).fill(0);
  for (const i of order) {
    let level = 0;
    for (const j of deps[i]!) if (depth[j]! + 1 > level) level = depth[j]! + 1;
    depth[i] = level;
  }
  const remaining = new Array<number>(count).fill(0);
  for (let k = count - 1; k >= 0; k--) {
    const i = order[k]!;
    let longest = 0;
    for (const d of dependents[i]!) if (remaining[d]! > longest) longest = remaining[d]!;
    remaining[i] = longest + nodes[i]!.weight;
  }
  return { ids: nodes.map((n) => n.id), deps, dependents, order, remaining, depth, edges };
}

/**
 * Finds one cycle among the steps Kahn's algorithm could not emit (`waiting > 0`). Each of them
 * has an unemitted dependency, so walking dependencies from any of them must revisit a step.
 */
function findCycle(
  nodes: readonly GraphNode[],
  deps: readonly (readonly number[])[],
  waiting: Int32Array,
): string[] {
  let start = 0;
  while (waiting[start] === 0) start++;
  const seenAt = new Map<number, number>();
  const path: number[] = [];
  let current = start;
  while (!seenAt.has(current)) {
    seenAt.set(current, path.length);
    path.push(current);
    let next = -1;
    for (const j of deps[current]!) {
      if (waiting[j]! > 0) {
        next = j;
        break;
      }
    }
    current = next;
  }
  // The walk follows dependencies backwards; reverse it so each arrow points from a step to the
  // step that needs it, as in the diagram.
  const cycle = path.slice(seenAt.get(current)!).reverse();
  cycle.push(cycle[0]!);
  return cycle.map((i) => nodes[i]!.id);
}
