import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { parseFlags } from '../common/config.ts';
import { mintDevToken } from '../common/dev-token.ts';
import { identityKey, signIdentityAssertion } from '../common/identity.ts';
import { DEV_IDENTITY_SECRET } from '../common/secrets.ts';
import { waitHealthy } from '../scripts/lib/health.ts';

/**
 * What the load runs under bench/ share: the graph (REST services in one
 * child, five subgraph processes), gateways as their own processes (so each
 * one's peak memory is its own), autocannon on 127.0.0.1 with a distinct
 * user's token per request, and ABBA rounds that spread machine noise over
 * both gateways. A script describes its two gateways and prints the result.
 */

export const USERS = 1000;
const SUBGRAPHS = ['user', 'catalog', 'cart', 'pricing', 'promotions'];

export interface BenchOptions {
  readonly durationS: number;
  readonly connections: number;
  readonly rounds: number;
  readonly warmupS: number;
}

/** `--duration 10 --connections 16 --rounds 2 --warmup 3` (the defaults). */
export function parseBenchOptions(argv: string[]): BenchOptions {
  const flags = parseFlags(argv, {
    duration: { type: 'string' },
    connections: { type: 'string' },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
  });
  return {
    durationS: Number(flags.duration ?? 10),
    connections: Number(flags.connections ?? 16),
    rounds: Number(flags.rounds ?? 2),
    warmupS: Number(flags.warmup ?? 3),
  };
}

export const seededUserId = (i: number) => `user-${String(i + 1).padStart(4, '0')}`;

/** One development token per seeded user, so no layer can answer many clients from one shared execution. */
export function devTokens(): Promise<string[]> {
  return Promise.all(Array.from({ length: USERS }, (_, i) => mintDevToken(seededUserId(i))));
}

/** One pre-signed identity assertion per seeded user (an hour long), for the vanilla gateway, which verifies no tokens. */
export function devAssertions(): Promise<string[]> {
  const key = identityKey(DEV_IDENTITY_SECRET);
  return Promise.all(Array.from({ length: USERS }, (_, i) => signIdentityAssertion(key, { userId: seededUserId(i) }, 3600)));
}

/** Every process the run started; stopAll() is safe to call more than once. */
export class Processes {
  readonly #children: ChildProcess[] = [];

  async start(script: string, args: readonly string[], healthUrl: string, headers?: Record<string, string>, probe?: HeapProbe): Promise<ChildProcess> {
    const probeArgs = probe ? ['--expose-gc', '--import', './bench/heap-probe.ts'] : [];
    const env = probe ? { ...process.env, STOREFRONT_HEAP_PROBE_FILE: probe.file } : process.env;
    const child = spawn(process.execPath, [...probeArgs, script, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
    this.#children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    try {
      await waitHealthy(healthUrl, { timeoutMs: 60_000, exited: () => child.exitCode !== null, headers });
    } catch (error) {
      throw new Error(`${script} ${(error as Error).message}:\n${stderr}`);
    }
    return child;
  }

  async fork(script: string, args: readonly string[]): Promise<ChildProcess> {
    const child = fork(script, [...args], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.#children.push(child);
    await new Promise((resolve) => child.once('message', resolve));
    return child;
  }

  async stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  stopAll(): void {
    for (const child of this.#children) if (child.exitCode === null) child.kill('SIGTERM');
  }
}

export interface Graph {
  /** bench/backend.ts: counts REST calls per route between "reset" and "calls". */
  readonly backend: ChildProcess;
  /** `name=url` of each subgraph, for `--subgraph-url` / the vanilla gateway. */
  readonly subgraphUrls: readonly string[];
}

/** REST services on base+301…, subgraphs on base+201…; gateways are left base+0…+99. */
export async function startGraph(processes: Processes, base: number): Promise<Graph> {
  const backend = await processes.fork('bench/backend.ts', [String(base + 300)]);
  const subgraphUrls = await Promise.all(
    SUBGRAPHS.map(async (name, i) => {
      const port = base + 200 + i + 1;
      await processes.start('subgraphs/main.ts', ['--subgraph', name, '--port', String(port), '--rest-url', `http://127.0.0.1:${base + 300 + i + 1}`, '--log-level', 'warn'], `http://127.0.0.1:${port}/health`);
      return `${name}=http://127.0.0.1:${port}/graphql`;
    }),
  );
  return { backend, subgraphUrls };
}

/** A port block per run, so two runs (or a leftover process) on one machine do not collide. */
export const randomBasePort = () => 24000 + Math.floor(Math.random() * 50) * 100;

function backendRequest<T>(backend: ChildProcess, message: string, key: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (reply: Record<string, unknown>) => {
      if (key in reply) {
        backend.off('message', onMessage);
        resolve(reply[key] as T);
      }
    };
    backend.on('message', onMessage);
    backend.send(message);
  });
}

/** Where a gateway started with the heap probe (bench/heap-probe.ts) writes its figures. */
export class HeapProbe {
  readonly #dir = mkdtempSync(join(tmpdir(), 'storefront-bench-'));
  readonly file = join(this.#dir, 'memory.json');

  /** JS heap in use after a full collection, in MB (heap only: ArrayBuffers and other external memory are a few MB in both gateways). */
  async heapAfterGcMb(child: ChildProcess): Promise<number> {
    rmSync(this.file, { force: true });
    child.kill('SIGUSR2');
    for (let waited = 0; waited < 10_000 && !existsSync(this.file); waited += 50) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 50)); // the write may still be under way
    const usage = JSON.parse(readFileSync(this.file, 'utf8')) as NodeJS.MemoryUsage;
    return Math.round(usage.heapUsed / (1024 * 1024));
  }

  remove(): void {
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

export function peakRssMb(child: { readonly pid?: number | undefined }): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** Clock ticks per second of /proc/<pid>/stat times (100 on Linux almost everywhere). */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU time the process has used, in ms. */
export function cpuMs(child: { readonly pid?: number | undefined }): number {
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS; // utime, stime (fields 14, 15)
}

export interface Result {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** Socket errors, timeouts, non-2xx, and 2xx bodies with `"errors"` (or `"completed":false`, with Gateway.partialIsError). */
  errors: number;
  /**
   * Share (0–1) of 200 answers that said `"completed":false`: a subgraph
   * fallback stood in for optional data (ours under CPU saturation, when an
   * optional fetch's time budget passes). Only ours can say so; vanilla waits
   * instead. Its req/s counts these answers, so the table also gives complete
   * answers per second.
   */
  degradedShare: number;
  restCallsPerRequest: number;
  /** Requests the subgraphs received per client request (their storefront_subgraph_graphql_requests_total), from the same sample. */
  subgraphRequestsPerRequest: number;
  /**
   * The gateway process's CPU time (user + system) per request sent: the
   * same cost seen from the gateway's side, less tied than req/s to how much
   * of the cores it got. Contention still moves it (caches, GC timing).
   */
  cpuMsPerRequest: number;
}

export interface Gateway {
  readonly script: string;
  readonly args: readonly string[];
  readonly health: string;
  readonly healthHeaders?: Record<string, string>;
  readonly url: string;
  /** The JSON body of every request. */
  readonly body: string;
  /** Headers for the request of seeded user i. */
  headersFor(i: number): Record<string, string>;
  /**
   * Count partial answers (`"completed":false`: a subgraph fallback stood in
   * for data) as errors. Off where fallbacks are what is measured (bench:degraded).
   */
  readonly partialIsError?: boolean;
  /** Runs once per start, before any load; throws to abort the run. */
  verify?(): Promise<void>;
}

/** Sum of the GraphQL requests the graph's subgraphs have received, read from their /metrics. */
async function subgraphRequests(graph: Graph): Promise<number> {
  const counts = await Promise.all(
    graph.subgraphUrls.map(async (pair) => {
      const text = await (await fetch(pair.slice(pair.indexOf('=') + 1).replace(/\/graphql$/, '/metrics'))).text();
      return Number(/^storefront_subgraph_graphql_requests_total(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0);
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

async function load(g: Gateway, gatewayProcess: ChildProcess, durationS: number, connections: number, graph: Graph): Promise<Result> {
  const backend = graph.backend;
  let next = 0;
  let graphqlErrors = 0;
  let answered = 0;
  let degraded = 0;
  await backendRequest(backend, 'reset', 'reset');
  const cpuBefore = cpuMs(gatewayProcess);
  const result = await autocannon({
    url: g.url,
    connections,
    duration: durationS,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => ({ ...request, body: g.body, headers: { 'content-type': 'application/json', ...g.headersFor(next++ % USERS) } }),
        onResponse: (status, responseBody) => {
          if (status !== 200) return;
          answered++;
          const partial = responseBody.includes('"completed":false');
          if (partial) degraded++;
          if (responseBody.includes('"errors"') || (g.partialIsError && partial)) graphqlErrors++;
        },
      },
    ],
  });
  // Under load, requests still in flight when the run ends make REST calls the
  // run does not count; so REST calls per request come from a sequential sample
  // of distinct users after the run, where every call belongs to a counted request.
  const SAMPLE = 50;
  const sent = next;
  await new Promise((r) => setTimeout(r, 1500)); // let the run's in-flight requests finish
  // Read after the drain, so the CPU covers every request sent, in flight at the end or not.
  const cpuMsPerRequest = (cpuMs(gatewayProcess) - cpuBefore) / sent;
  await backendRequest(backend, 'reset', 'reset');
  const subgraphRequestsBefore = await subgraphRequests(graph);
  for (let i = 0; i < SAMPLE; i++) {
    const response = await fetch(g.url, { method: 'POST', headers: { 'content-type': 'application/json', ...g.headersFor(next++ % USERS) }, body: g.body });
    await response.text();
  }
  const calls = await backendRequest<Record<string, number>>(backend, 'calls', 'calls');
  const subgraphRequestsPerRequest = ((await subgraphRequests(graph)) - subgraphRequestsBefore) / SAMPLE;
  const totalCalls = Object.values(calls).reduce((a, b) => a + b, 0);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx + graphqlErrors,
    degradedShare: answered === 0 ? 0 : degraded / answered,
    restCallsPerRequest: totalCalls / SAMPLE,
    subgraphRequestsPerRequest,
    cpuMsPerRequest,
  };
}

export interface Measurements<N extends string> {
  readonly results: Record<N, Result[]>;
  /** Highest VmHWM over the gateway's processes (one per round), in MB. */
  readonly peaks: Record<N, number>;
  /** Highest JS heap after a full collection at the end of a round, in MB: what the gateway holds, without the garbage VmHWM also counts. */
  readonly heaps: Record<N, number>;
}

/**
 * Rounds alternate the order of the two gateways (AB, BA, AB, …), after one
 * unmeasured load that warms the graph behind them. Each measurement starts
 * its gateway afresh, warms it up, loads it, reads its peak memory and stops
 * it, so neither inherits the other's heap or JIT state.
 */
export async function runRounds<N extends string>(
  processes: Processes,
  graph: Graph,
  options: BenchOptions,
  /** Two or more; odd rounds run them in reverse order. */
  names: readonly N[],
  gateways: Record<N, Gateway>,
  /** More of a round's line, after the common columns. */
  more: (r: Result) => string = () => '',
): Promise<Measurements<N>> {
  const results = Object.fromEntries(names.map((n) => [n, []])) as unknown as Record<N, Result[]>;
  const peaks = Object.fromEntries(names.map((n) => [n, 0])) as Record<N, number>;
  const heaps = Object.fromEntries(names.map((n) => [n, 0])) as Record<N, number>;
  const width = Math.max(7, ...names.map((n) => n.length));
  const probe = new HeapProbe();
  try {
    // The subgraphs and REST services start cold, and round 1's first gateway would pay for
    // their JIT warm-up alone (alternating the order does not spread a one-off): warm them
    // through the last gateway first, unmeasured.
    const warmer = gateways[names[names.length - 1]!];
    const warming = await processes.start(warmer.script, warmer.args, warmer.health, warmer.healthHeaders);
    await warmer.verify?.();
    await load(warmer, warming, Math.max(options.warmupS, 3), options.connections, graph);
    await processes.stop(warming);
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? names : [...names].reverse();
      for (const name of order) {
        const g = gateways[name];
        const child = await processes.start(g.script, g.args, g.health, g.healthHeaders, probe);
        await g.verify?.();
        await load(g, child, options.warmupS, options.connections, graph);
        const r = await load(g, child, options.durationS, options.connections, graph);
        // VmHWM first: the probe's collection must not be part of what is measured.
        peaks[name] = Math.max(peaks[name], peakRssMb(child));
        const heap = await probe.heapAfterGcMb(child);
        heaps[name] = Math.max(heaps[name], heap);
        results[name].push(r);
        console.log(`  round ${round + 1} ${name.padEnd(width)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50).padStart(4)} ms  p99 ${String(r.p99).padStart(4)} ms  errors ${r.errors}  degraded ${(100 * r.degradedShare).toFixed(1)} %  REST calls/request ${r.restCallsPerRequest.toFixed(2)}  subgraph requests/request ${r.subgraphRequestsPerRequest.toFixed(2)}  heap after GC ${heap} MB${more(r)}`);
        await processes.stop(child);
      }
    }
  } finally {
    probe.remove();
  }
  return { results, peaks, heaps };
}

/** The gateway's operation once per seeded user, 16 at a time: what every user's answer needs from public data is in the entity cache before the load. */
export async function warmEveryUser(g: Gateway): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < USERS; i = next++) {
      const response = await fetch(g.url, { method: 'POST', headers: { 'content-type': 'application/json', ...g.headersFor(i) }, body: g.body });
      if (response.status !== 200) throw new Error(`warming the cache: HTTP ${response.status}`);
      await response.text();
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

export const mean = (rs: readonly Result[], k: keyof Result) => rs.reduce((a, r) => a + r[k], 0) / rs.length;

/** The summary table (means over rounds, errors summed) and the ratio first/second. */
export function printTable<N extends string>({ results, peaks, heaps }: Measurements<N>, [a, b]: readonly [N, N]): void {
  const width = Math.max(8, a.length + 1, b.length + 1);
  const row = (name: N) => {
    const rs = results[name];
    return `${name.padEnd(width)} ${mean(rs, 'rps').toFixed(0).padStart(8)} ${(100 * mean(rs, 'degradedShare')).toFixed(1).padStart(10)} ${mean(rs, 'p50').toFixed(1).padStart(8)} ${mean(rs, 'p99').toFixed(1).padStart(8)} ${String(rs.reduce((s, r) => s + r.errors, 0)).padStart(7)} ${mean(rs, 'restCallsPerRequest').toFixed(2).padStart(11)} ${mean(rs, 'subgraphRequestsPerRequest').toFixed(2).padStart(12)} ${String(peaks[name]).padStart(9)} ${String(heaps[name]).padStart(9)}`;
  };
  console.log(`\n${'gateway'.padEnd(width)} ${'req/s'.padStart(8)} ${'degraded %'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)} ${'REST/req'.padStart(11)} ${'subgraph/req'.padStart(12)} ${'peak MB'.padStart(9)} ${'heap MB'.padStart(9)}`);
  console.log(row(a));
  console.log(row(b));
  const ratio = (k: keyof Result) => (mean(results[a], k) / mean(results[b], k)).toFixed(2);
  // Complete answers per second: req/s less the degraded share, round by round.
  const complete = (rs: readonly Result[]) => rs.reduce((sum, r) => sum + r.rps * (1 - r.degradedShare), 0) / rs.length;
  console.log(`ratio ${a}/${b}: throughput ${ratio('rps')}x (complete answers ${(complete(results[a]) / complete(results[b])).toFixed(2)}x), p50 ${ratio('p50')}x, p99 ${ratio('p99')}x, peak memory ${(peaks[a] / peaks[b]).toFixed(2)}x, heap after GC ${(heaps[a] / heaps[b]).toFixed(2)}x`);
}

/** The gateway's CPU per request in a round's line (runRounds' `more`). */
export const cpuColumn = (r: Result) => `  gateway CPU ${r.cpuMsPerRequest.toFixed(2)} ms/request`;

/** Gateway CPU per request: the same cost seen from the gateway's side, less tied to the share of the cores it got, with its own per-round ratios. */
export function printCpu<N extends string>({ results }: Measurements<N>, [a, b]: readonly [N, N]): void {
  const cpu = (name: N) => mean(results[name], 'cpuMsPerRequest');
  const perRound = results[a].map((r, i) => (r.cpuMsPerRequest / results[b][i]!.cpuMsPerRequest).toFixed(2));
  console.log(`gateway CPU per request: ${a} ${cpu(a).toFixed(2)} ms, ${b} ${cpu(b).toFixed(2)} ms, ratio ${(cpu(a) / cpu(b)).toFixed(2)}x (per round ${perRound.join(', ')})`);
}

/**
 * Runs a benchmark script's main: exit 0 when it finishes, 1 with
 * `bench: <message>` when it throws, 130 on Ctrl-C; every child is stopped
 * in each case, and `cleanup` (temp files) runs last.
 */
export function runBench(main: (processes: Processes) => Promise<void>, cleanup: () => void = () => {}): void {
  const processes = new Processes();
  const finish = (code: number) => {
    processes.stopAll();
    cleanup();
    process.exit(code);
  };
  process.once('SIGINT', () => finish(130));
  main(processes).then(
    () => finish(0),
    (error: unknown) => {
      console.error(`bench: ${(error as Error).message}`);
      finish(1);
    },
  );
}
