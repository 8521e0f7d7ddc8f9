import { cpus, loadavg } from 'node:os';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startReplicas, type Replica } from '../test/support/gateway-replicas.ts';
import { startHaproxy, type RunningHaproxy } from '../test/support/haproxy.ts';
import { startLoad } from '../test/support/load.ts';
import { startRedis, type RunningRedis } from '../test/support/redis.ts';
import { cpuMs, devTokens, parseBenchOptions, peakRssMb, randomBasePort, runBench, startGraph, USERS } from './harness.ts';

/**
 * The production shape, measured on this machine: 3 web gateway replicas
 * (processes) sharing one redis-server behind HAProxy (Debian's package,
 * installed when missing), subgraphs and REST services as in `npm run bench`.
 *
 *   npm run bench:scale-out -- [--duration 10] [--connections 16]
 *
 * 1. Throughput with 1 replica in rotation, then 3 (the others disabled
 *    through HAProxy's runtime API, so the same processes are measured).
 * 2. A rolling restart under load (SIGTERM each replica, start it again).
 * 3. One replica SIGKILLed under load: requests lost, in flight at the kill,
 *    time until HAProxy takes it out of rotation.
 * Every request is FrontPage from a distinct user in turn (1,000 users).
 */
const options = parseBenchOptions(process.argv.slice(2));
const BASE = randomBasePort();
const FRONT_PAGE = JSON.stringify({ query: readFileSync('persisted-queries/web/FrontPage.graphql', 'utf8'), operationName: 'FrontPage' });

const replicas: Replica[] = [];
let lb: RunningHaproxy | undefined;
let redis: RunningRedis | undefined;
const dir = mkdtempSync(join(tmpdir(), 'bench-scale-out-'));

async function throughput(url: string, tokens: string[], durationS: number) {
  let next = 0;
  let graphqlErrors = 0;
  const statuses: Record<number, number> = {};
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: durationS,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => ({ ...request, body: FRONT_PAGE, headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[next++ % USERS]}` } }),
        onResponse: (status, body) => {
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === 200 && body.includes('"errors"')) graphqlErrors++;
        },
      },
    ],
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts + result.non2xx + graphqlErrors, statuses };
}

const cpuOf = (r: Replica) => (r.pid ? cpuMs(r) : 0);
const rssOf = (r: Replica) => (r.pid ? peakRssMb(r) : 0);

async function waitUntil(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

runBench(
  async (processes) => {
    console.log(`scale-out benchmark: ${cpus().length} cores (load average ${loadavg()[0]!.toFixed(1)} at start), ${options.durationS} s per measurement, ${options.connections} connections, ${USERS} distinct users`);
    try {
      const graph = await startGraph(processes, BASE);
      redis = await startRedis();
      const configPath = join(dir, 'gateway.json');
      writeFileSync(configPath, JSON.stringify({ shutdownDelayMs: 1000, cost: { budget: { redisKeyPrefix: `bench${Date.now()}:` } } }));
      replicas.push(...(await startReplicas(3, { configPath, redisUrl: redis.url, subgraphUrls: graph.subgraphUrls }, () => {})));
      lb = await startHaproxy(replicas.map((r) => ({ name: r.name, port: r.port })));
      const haproxy = lb;
      await waitUntil(async () => (await haproxy.servers()).every((s) => s.status === 'UP'), 'every replica UP');
      const tokens = await devTokens();
      const url = `${haproxy.url}/graphql`;

      // 1. Throughput, 1 replica then 3, warm-up first (JIT, caches, Redis connections).
      await throughput(url, tokens, options.warmupS);
      const measure = async (inRotation: number) => {
        for (const [i, r] of replicas.entries()) await haproxy.command(`${i < inRotation ? 'enable' : 'disable'} server gateways/${r.name}`);
        const cpuBefore = replicas.map(cpuOf);
        const result = await throughput(url, tokens, options.durationS);
        const cpuS = replicas.map((r, i) => (cpuOf(r) - cpuBefore[i]!) / 1000);
        return { ...result, cpuS };
      };
      const one = await measure(1);
      const three = await measure(3);
      for (const [label, r] of [['1 replica ', one], ['3 replicas', three]] as const) {
        console.log(`  ${label}  ${r.rps.toFixed(0).padStart(5)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  errors ${r.errors} ${JSON.stringify(r.statuses)}  gateway CPU ${r.cpuS.map((s) => s.toFixed(1)).join(' + ')} s over ${options.durationS} s`);
      }
      const crashes = () => replicas.flatMap((r) => r.crashes.splice(0));
      for (const crash of crashes()) console.log(`  CRASH ${crash}`);
      console.log(`  ratio 3/1: throughput ${(three.rps / one.rps).toFixed(2)}x; peak RSS per replica ${replicas.map(rssOf).join(', ')} MB (VmHWM)`);

      // 2. Rolling restart under load.
      const restartLoad = startLoad({ url, workers: options.connections, request: (n) => ({ body: FRONT_PAGE, headers: { authorization: `Bearer ${tokens[n % USERS]}` } }) });
      for (const r of replicas) {
        const started = Date.now();
        const code = await r.signal('SIGTERM');
        await r.start();
        await waitUntil(async () => (await haproxy.servers()).find((s) => s.name === r.name)?.status === 'UP', `${r.name} back UP`);
        console.log(`  rolling restart: ${r.name} exited ${code}, back in rotation after ${Date.now() - started} ms`);
      }
      const restart = await restartLoad.stop();
      for (const crash of crashes()) console.log(`  CRASH ${crash}`);
      console.log(`  rolling restart: ${restart.sent} requests, ${restart.ok} ok, ${restart.failures.length} failed ${restart.failures.length ? `(${[...new Set(restart.failures)].join('; ')})` : ''}`);

      // 3. SIGKILL one replica under load.
      const base = (await haproxy.servers()).find((s) => s.name === replicas[1]!.name)!; // counters run since HAProxy started
      const killLoad = startLoad({ url, workers: options.connections, request: (n) => ({ body: FRONT_PAGE, headers: { authorization: `Bearer ${tokens[n % USERS]}` } }) });
      const victim = replicas[1]!;
      await waitUntil(() => (killLoad.stats.byReplica[victim.name] ?? 0) >= 20, 'load on the victim');
      const inFlight = (await haproxy.servers()).find((s) => s.name === victim.name)!.inFlight;
      const killedAt = Date.now();
      await victim.signal('SIGKILL');
      await waitUntil(async () => (await haproxy.servers()).find((s) => s.name === victim.name)!.status.startsWith('DOWN'), 'victim DOWN', 10_000);
      const outOfRotationMs = Date.now() - killedAt;
      const okAtDown = killLoad.stats.ok;
      await waitUntil(() => killLoad.stats.ok >= okAtDown + 100, '100 more answers');
      const killed = await killLoad.stop();
      const after = (await haproxy.servers()).find((s) => s.name === victim.name)!;
      // Handed to the victim, never answered by it, not redispatched: its in-flight requests.
      const unanswered = after.total - base.total - (killed.byReplica[victim.name] ?? 0) - (after.redispatches - base.redispatches);
      console.log(`  SIGKILL ${victim.name}: ${unanswered} requests in flight on it (HAProxy's current sessions at the kill: ${inFlight}), ${killed.failures.length} lost, out of rotation after ${outOfRotationMs} ms; ${killed.ok} ok of ${killed.sent}`);
      console.log(`  load average at the end ${loadavg()[0]!.toFixed(1)}`);
    } finally {
      await lb?.stop();
      await Promise.all(replicas.map((r) => r.stop()));
      await redis?.stop();
    }
  },
  () => {
    // Ctrl-C: each stop() sends its signal before its first await.
    void lb?.stop();
    for (const r of replicas) void r.stop();
    void redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  },
);
