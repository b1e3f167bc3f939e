import { Workflow } from '@x/dag';
import { DepGraph } from 'dependency-graph';
import { PGraph } from 'p-graph';
import toposort from 'toposort';
import { defineSuite } from '../types.js';

const OURS = '@x/dag';
const LEVELS = 'level-by-level';

/** A step as the level-by-level executor sees it. */
interface Node {
  id: string;
  needs: string[];
  run: (inputs: Record<string, unknown>) => unknown;
}

/**
 * The executor the issue compares against: a fair, simple one. It groups steps by depth and
 * runs each group with Promise.all (unlimited concurrency), so a group waits for its slowest
 * step. Steps get their dependencies' outputs, like ours.
 */
function levelExecutor(nodes: Node[]): () => Promise<void> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depth = new Map<string, number>();
  const depthOf = (n: Node): number => {
    let d = depth.get(n.id);
    if (d === undefined) {
      d = 0;
      for (const need of n.needs) d = Math.max(d, depthOf(byId.get(need)!) + 1);
      depth.set(n.id, d);
    }
    return d;
  };
  const levels: Node[][] = [];
  // Nodes are given in topological order, so the recursion above stays one level deep.
  for (const n of nodes) {
    const d = depthOf(n);
    const level = levels[d] ?? [];
    level.push(n);
    levels[d] = level;
  }
  return async () => {
    const outputs = new Map<string, unknown>();
    for (const level of levels) {
      await Promise.all(
        level.map(async (n) => {
          const inputs: Record<string, unknown> = {};
          for (const need of n.needs) inputs[need] = outputs.get(need);
          outputs.set(n.id, await n.run(inputs));
        }),
      );
    }
  };
}

function ourWorkflow(nodes: Node[]): Workflow {
  const wf = new Workflow();
  for (const n of nodes) wf.step(n.id, n.run, { needs: n.needs });
  return wf;
}

function pGraph(nodes: Node[]): PGraph {
  const map = new Map(nodes.map((n) => [n.id, { run: () => n.run({}) }]));
  const deps: [string, string][] = [];
  for (const n of nodes) for (const need of n.needs) deps.push([need, n.id]);
  return new PGraph(map, deps);
}

const trivial = () => 1;

function chain(size: number): Node[] {
  return Array.from({ length: size }, (_, i) => ({
    id: `s${i}`,
    needs: i === 0 ? [] : [`s${i - 1}`],
    run: trivial,
  }));
}

/** A source, `size - 2` independent middle steps, and a sink that needs them all. */
function wide(size: number): Node[] {
  const middle = Array.from({ length: size - 2 }, (_, i) => `m${i}`);
  return [
    { id: 'source', needs: [], run: trivial },
    ...middle.map((id) => ({ id, needs: ['source'], run: trivial })),
    { id: 'sink', needs: middle, run: trivial },
  ];
}

/** Deterministic PRNG (mulberry32), so every run measures the same graph. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `nodes` steps, each (but the first few) needing `perNode` distinct random earlier steps. */
function randomEdges(nodes: number, perNode: number): { ids: string[]; needs: string[][] } {
  const next = random(42);
  const ids = Array.from({ length: nodes }, (_, i) => `n${i}`);
  const needs = ids.map((_, i) => {
    const picked = new Set<number>();
    while (picked.size < Math.min(perNode, i)) picked.add(Math.floor(next() * i));
    return [...picked].map((j) => ids[j]!);
  });
  return { ids, needs };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `branches` chains of `depth` steps, then a join. At level l the step of branch l % branches
 * is 10x slower, so every level has one slow step, spread over the branches.
 */
function skewedChains(branches: number, depth: number, baseMs: number): Node[] {
  const nodes: Node[] = [];
  for (let l = 0; l < depth; l++) {
    for (let b = 0; b < branches; b++) {
      const ms = l % branches === b ? baseMs * 10 : baseMs;
      nodes.push({
        id: `b${b}l${l}`,
        needs: l === 0 ? [] : [`b${b}l${l - 1}`],
        run: () => sleep(ms),
      });
    }
  }
  nodes.push({
    id: 'join',
    needs: Array.from({ length: branches }, (_, b) => `b${b}l${depth - 1}`),
    run: () => undefined,
  });
  return nodes;
}

/**
 * `width` steps per level; each needs two random steps of the level above. One random step per
 * level is 10x slower.
 */
function skewedMesh(width: number, depth: number, baseMs: number): Node[] {
  const next = random(7);
  const nodes: Node[] = [];
  for (let l = 0; l < depth; l++) {
    const slow = Math.floor(next() * width);
    for (let w = 0; w < width; w++) {
      const needs =
        l === 0
          ? []
          : [...new Set([Math.floor(next() * width), Math.floor(next() * width)])].map(
              (x) => `r${l - 1}c${x}`,
            );
      const ms = w === slow ? baseMs * 10 : baseMs;
      nodes.push({ id: `r${l}c${w}`, needs, run: () => sleep(ms) });
    }
  }
  return nodes;
}

async function makespans(nodes: Node[]): Promise<Record<string, number>> {
  const ours = ourWorkflow(nodes);
  const levels = levelExecutor(nodes);
  const t0 = performance.now();
  await ours.run();
  const t1 = performance.now();
  await levels();
  const t2 = performance.now();
  return { [OURS]: t1 - t0, [LEVELS]: t2 - t1 };
}

export default defineSuite({
  package: 'dag',
  description:
    'Per-step overhead of running trivial steps (one op = one step), validate + order of a random 100,000-edge graph built from scratch, and the makespan of ready-set vs level-by-level execution on skewed graphs (real timers).',
  workloads: ({ quick }) => {
    const steps = quick ? 200 : 10_000;
    const chainNodes = chain(steps);
    const wideNodes = wide(steps);
    const oursChain = ourWorkflow(chainNodes);
    const oursWide = ourWorkflow(wideNodes);
    const pgChain = pGraph(chainNodes);
    const pgWide = pGraph(wideNodes);
    const levelsChain = levelExecutor(chainNodes);
    const levelsWide = levelExecutor(wideNodes);

    const graph = quick ? randomEdges(1_000, 5) : randomEdges(20_000, 5);
    const edgeCount = graph.needs.reduce((n, needs) => n + needs.length, 0);
    const edgePairs: [string, string][] = [];
    graph.needs.forEach((needs, i) => {
      for (const need of needs) edgePairs.push([need, graph.ids[i]!]);
    });

    const baseMs = quick ? 1 : 5;
    const chains = skewedChains(4, quick ? 4 : 8, baseMs);
    const mesh = skewedMesh(4, quick ? 4 : 8, baseMs);

    return [
      {
        name: `run a ${steps}-step chain (per step)`,
        ours: OURS,
        goal: 'under 10 µs per step',
        contenders: [
          { name: OURS, run: () => oursChain.run(), opsPerRun: steps },
          { name: 'p-graph', run: () => pgChain.run(), opsPerRun: steps },
          { name: LEVELS, run: levelsChain, opsPerRun: steps },
        ],
      },
      {
        name: `run a ${steps}-step wide graph (per step)`,
        ours: OURS,
        goal: 'under 10 µs per step',
        contenders: [
          { name: OURS, run: () => oursWide.run(), opsPerRun: steps },
          { name: 'p-graph', run: () => pgWide.run(), opsPerRun: steps },
          { name: LEVELS, run: levelsWide, opsPerRun: steps },
        ],
      },
      {
        name: `validate + order a ${edgeCount}-edge graph (${graph.ids.length} nodes)`,
        ours: OURS,
        goal: 'under 100 ms',
        contenders: [
          {
            name: OURS,
            run: () => {
              const wf = new Workflow();
              graph.ids.forEach((id, i) => {
                wf.step(id, trivial, { needs: graph.needs[i]! });
              });
              return wf.order();
            },
          },
          {
            name: 'dependency-graph',
            run: () => {
              const g = new DepGraph<undefined>();
              for (const id of graph.ids) g.addNode(id);
              graph.needs.forEach((needs, i) => {
                for (const need of needs) g.addDependency(graph.ids[i]!, need);
              });
              return g.overallOrder();
            },
          },
          { name: 'toposort', run: () => toposort.array(graph.ids, edgePairs) },
        ],
      },
      {
        kind: 'metric',
        name: 'makespan: 4 independent chains, one 10x-slow step per level',
        ours: OURS,
        unit: 'ms',
        better: 'lower',
        measure: () => makespans(chains),
      },
      {
        kind: 'metric',
        name: 'makespan: 4-wide random mesh, one 10x-slow step per level',
        ours: OURS,
        unit: 'ms',
        better: 'lower',
        measure: () => makespans(mesh),
      },
    ];
  },
});
