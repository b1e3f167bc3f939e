// The dashboard page: one EventSource on /dashboard/events (server push, about one snapshot a
// second), rendered with preact. Every asset comes from x-server itself.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Throughput } from './chart.js';
import { RunDiagram } from './diagram.js';
import './style.css';
import type { CategoryRow, RunSummary, Snapshot } from './types.js';

const pct = (value: number) => `${(value * 100).toFixed(1)} %`;
const ms = (value: number | null) =>
  value === null ? '–' : `${value < 10 ? value.toFixed(2) : Math.round(value)} ms`;
const time = (epochMs: number) => new Date(epochMs).toLocaleTimeString();
const duration = (value: number) => {
  const s = Math.floor(value / 1000);
  return s < 60
    ? `${s} s`
    : s < 3600
      ? `${Math.floor(s / 60)} min ${s % 60} s`
      : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
};

function Card({ label, value, detail }: { label: string; value: string; detail?: string }) {
  return (
    <div class="card">
      <div class="label">{label}</div>
      <div class="value">{value}</div>
      {detail && <div class="detail">{detail}</div>}
    </div>
  );
}

function Circuit({ circuit, now }: { circuit: CategoryRow['circuit']; now: number }) {
  const retry =
    circuit.state === 'open' && circuit.retryAt !== undefined
      ? ` · retries at ${time(circuit.retryAt)} (in ${Math.max(0, Math.ceil((circuit.retryAt - now) / 1000))} s)`
      : '';
  return (
    <span class={`state state-${circuit.state}`} data-circuit={circuit.state}>
      {circuit.state}
      {retry}
    </span>
  );
}

function Runs({ runs }: { runs: RunSummary[] }) {
  const [chosen, choose] = useState<number | null>(null);
  const run = runs.find((candidate) => candidate.id === chosen) ?? runs[0];
  if (!run) return <p class="empty">No workflow run yet.</p>;
  return (
    <div class="runs">
      <ul class="run-list" aria-label="Recent runs">
        {runs.map((item) => (
          <li key={item.id}>
            <button type="button" aria-pressed={item.id === run.id} onClick={() => choose(item.id)}>
              <span class={`state state-${item.status}`}>{item.status}</span>{' '}
              {item.template ?? 'inline'} · {item.steps} steps · {Math.round(item.durationMs)} ms ·{' '}
              {time(item.atMs)}
            </button>
          </li>
        ))}
      </ul>
      <RunDiagram key={run.id} run={run} />
    </div>
  );
}

function Dashboard({ s }: { s: Snapshot }) {
  const rate = s.tools.reduce((sum, tool) => sum + tool.rate, 0);
  const calls = s.tools.reduce((sum, tool) => sum + tool.calls, 0);
  const errors = s.tools.reduce((sum, tool) => sum + tool.calls * tool.errorRate, 0);
  return (
    <>
      <section class="cards" aria-label="Summary">
        <Card
          label="calls/s"
          value={rate.toFixed(2)}
          detail={`${calls} in ${s.windowSeconds / 60} min`}
        />
        <Card label="error rate" value={calls ? pct(errors / calls) : '–'} />
        <Card
          label="cache hit rate"
          value={pct(s.cache.hitRate)}
          detail={`${s.cache.hits} hits · ${s.cache.misses} misses`}
        />
        <Card label="coalesced calls" value={String(s.cache.coalesced)} />
        <Card
          label="scheduler"
          value={`${s.scheduler.running} running`}
          detail={`${s.scheduler.queued} queued`}
        />
        <Card
          label="sessions"
          value={`${s.sessions.legacySessions + s.sessions.stdio}`}
          detail={`2025: ${s.sessions.legacySessions} HTTP, ${s.sessions.stdio} stdio · requests 2026-07-28: ${s.sessions.requests.modern}, 2025: ${s.sessions.requests.legacy}`}
        />
      </section>
      <section aria-labelledby="h-throughput">
        <h2 id="h-throughput">Throughput (last {s.windowSeconds / 60} min)</h2>
        <Throughput snapshot={s} />
      </section>
      <section aria-labelledby="h-tools">
        <h2 id="h-tools">Tools</h2>
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">tool</th>
                <th scope="col">calls/s</th>
                <th scope="col">calls</th>
                <th scope="col">errors</th>
                <th scope="col">p50</th>
                <th scope="col">p95</th>
                <th scope="col">p99</th>
              </tr>
            </thead>
            <tbody>
              {s.tools.length === 0 && (
                <tr>
                  <td colSpan={7} class="empty">
                    No call in the window yet.
                  </td>
                </tr>
              )}
              {s.tools.map((tool) => (
                <tr key={tool.name} data-tool={tool.name}>
                  <th scope="row">{tool.name}</th>
                  <td data-field="rate">{tool.rate.toFixed(2)}</td>
                  <td data-field="calls">{tool.calls}</td>
                  <td class={tool.errorRate > 0 ? 'bad' : ''}>{pct(tool.errorRate)}</td>
                  <td>{ms(tool.p50)}</td>
                  <td>{ms(tool.p95)}</td>
                  <td>{ms(tool.p99)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section aria-labelledby="h-categories">
        <h2 id="h-categories">Categories and peers</h2>
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">category</th>
                <th scope="col">kind</th>
                <th scope="col">exposure</th>
                <th scope="col">era</th>
                <th scope="col">connections</th>
                <th scope="col">loaded</th>
                <th scope="col">circuit</th>
              </tr>
            </thead>
            <tbody>
              {s.categories.map((category) => (
                <tr key={category.name} data-category={category.name}>
                  <th scope="row" title={category.description}>
                    {category.name}
                  </th>
                  <td>{category.peer ? `peer (${category.peer.transport})` : 'built-in'}</td>
                  <td>{category.peer?.expose ?? '–'}</td>
                  <td>{category.peer?.era ?? '–'}</td>
                  <td>{category.peer ? category.peer.connections : '–'}</td>
                  <td>{category.loaded ? `yes (${category.toolCount ?? 0} tools)` : 'no'}</td>
                  <td>
                    <Circuit circuit={category.circuit} now={s.atMs} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p class="detail">
          Peer connections open: {s.peers.connections ?? 0} · calls in flight:{' '}
          {s.peers.inFlight ?? 0} · failed: {s.peers.failed ?? 0}
        </p>
      </section>
      <section aria-labelledby="h-cache">
        <h2 id="h-cache">Cache tiers</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">tier</th>
              <th scope="col">hits</th>
              <th scope="col">misses</th>
              <th scope="col">hit rate</th>
            </tr>
          </thead>
          <tbody>
            {s.cache.tiers.map((tier) => (
              <tr key={tier.name}>
                <th scope="row">{tier.name}</th>
                <td>{tier.hits}</td>
                <td>{tier.misses}</td>
                <td>{pct(tier.hitRate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="h-errors">
        <h2 id="h-errors">Last errors</h2>
        {s.errors.length === 0 ? (
          <p class="empty">No error.</p>
        ) : (
          <ol class="errors">
            {s.errors.map((error, index) => (
              <li key={index}>
                <time>{time(error.atMs)}</time> <code class="bad">{error.code}</code>{' '}
                {error.category}.{error.tool}: {error.message}
              </li>
            ))}
          </ol>
        )}
      </section>
      <section aria-labelledby="h-runs">
        <h2 id="h-runs">Workflow runs</h2>
        <Runs runs={s.runs} />
      </section>
    </>
  );
}

function App() {
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [live, setLive] = useState(false);
  useEffect(() => {
    const events = new EventSource('/dashboard/events');
    events.onopen = () => setLive(true);
    events.onerror = () => setLive(false);
    events.onmessage = (event) => {
      setLive(true);
      setSnapshot(JSON.parse(event.data as string) as Snapshot);
    };
    return () => events.close();
  }, []);
  return (
    <>
      <header>
        <h1>x-server</h1>
        {snapshot && (
          <span class="detail">
            {snapshot.instance} · v{snapshot.version} · up {duration(snapshot.uptimeMs)}
          </span>
        )}
        <span class={`live ${live ? 'on' : 'off'}`} role="status" aria-live="polite">
          {live ? 'live' : 'reconnecting…'}
        </span>
      </header>
      <main>
        {snapshot ? (
          <Dashboard s={snapshot} />
        ) : (
          <p class="boot">Waiting for the first snapshot…</p>
        )}
      </main>
    </>
  );
}

const root = document.getElementById('app')!;
// The "Connecting…" line of the HTML goes: the app owns the element from now on.
root.textContent = '';
render(<App />, root);
