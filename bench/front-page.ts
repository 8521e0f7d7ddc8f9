import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { parseFlags } from '../common/config.ts';
import { mintDevToken } from '../common/dev-token.ts';
import { identityKey, signIdentityAssertion } from '../common/identity.ts';
import { DEV_IDENTITY_SECRET } from '../common/secrets.ts';
import { waitHealthy } from '../scripts/lib/health.ts';

/**
 * Front-page load through our web gateway and, in the same run, through a
 * vanilla Apollo Gateway on the same supergraph and subgraphs. Every request
 * carries a distinct user's token (1,000 seeded users, round robin), so no
 * layer can answer many clients from one shared execution.
 *
 *   npm run bench -- [--duration 10] [--connections 16] [--rounds 2]
 *
 * Rounds alternate ours/vanilla (ABBA…) to spread machine noise over both.
 * Everything runs on 127.0.0.1; each gateway is its own process, so its
 * peak memory (VmHWM) is its own.
 */
const flags = parseFlags(process.argv.slice(2), {
  duration: { type: 'string' },
  connections: { type: 'string' },
  rounds: { type: 'string' },
  warmup: { type: 'string' },
});
const DURATION_S = Number(flags.duration ?? 10);
const CONNECTIONS = Number(flags.connections ?? 16);
const ROUNDS = Number(flags.rounds ?? 2);
const WARMUP_S = Number(flags.warmup ?? 3);
const BASE = 24000 + Math.floor(Math.random() * 50) * 100;
const SUBGRAPHS = ['user', 'catalog', 'cart', 'pricing', 'promotions'];
const USERS = 1000;

const children: ChildProcess[] = [];
async function startProcess(script: string, args: string[], healthUrl: string, headers?: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  try {
    await waitHealthy(healthUrl, { timeoutMs: 60_000, exited: () => child.exitCode !== null, headers });
  } catch (error) {
    throw new Error(`${script} ${(error as Error).message}:\n${stderr}`);
  }
  return child;
}

function peakRssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

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

interface Result {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  restCallsPerRequest: number;
}

async function load(url: string, headersFor: (i: number) => Record<string, string>, durationS: number, backend: ChildProcess): Promise<Result> {
  const query = readFileSync('persisted-queries/web/FrontPage.graphql', 'utf8');
  const body = JSON.stringify({ query, operationName: 'FrontPage' });
  let next = 0;
  let graphqlErrors = 0;
  await backendRequest(backend, 'reset', 'reset');
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: durationS,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => ({ ...request, body, headers: { 'content-type': 'application/json', ...headersFor(next++ % USERS) } }),
        onResponse: (status, responseBody) => {
          if (status === 200 && responseBody.includes('"errors"')) graphqlErrors++;
        },
      },
    ],
  });
  // Under load, requests still in flight when the run ends make REST calls the
  // run does not count; so REST calls per request come from a sequential sample
  // of distinct users after the run, where every call belongs to a counted request.
  const SAMPLE = 50;
  await new Promise((r) => setTimeout(r, 1500)); // let the run's in-flight requests finish
  await backendRequest(backend, 'reset', 'reset');
  for (let i = 0; i < SAMPLE; i++) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headersFor((next++ % USERS)) }, body });
    await response.text();
  }
  const calls = await backendRequest<Record<string, number>>(backend, 'calls', 'calls');
  const totalCalls = Object.values(calls).reduce((a, b) => a + b, 0);
  const requests = result.requests.total;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests,
    errors: result.errors + result.timeouts + result.non2xx + graphqlErrors,
    restCallsPerRequest: totalCalls / SAMPLE,
  };
}

async function main() {
  console.log(`front-page benchmark: ${ROUNDS} round(s) of ${DURATION_S} s per gateway, ${CONNECTIONS} connections, ${USERS} distinct users, warm-up ${WARMUP_S} s`);
  const backend = fork('bench/backend.ts', [String(BASE + 300)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.push(backend);
  await new Promise((resolve) => backend.once('message', resolve));
  const subgraphArgs: string[] = [];
  await Promise.all(
    SUBGRAPHS.map((name, i) => {
      subgraphArgs.push(`${name}=http://127.0.0.1:${BASE + 200 + i + 1}/graphql`);
      return startProcess('subgraphs/main.ts', ['--subgraph', name, '--port', String(BASE + 200 + i + 1), '--rest-url', `http://127.0.0.1:${BASE + 300 + i + 1}`, '--log-level', 'warn'], `http://127.0.0.1:${BASE + 200 + i + 1}/health`);
    }),
  );

  const tokens = await Promise.all(Array.from({ length: USERS }, (_, i) => mintDevToken(`user-${String(i + 1).padStart(4, '0')}`)));
  const key = identityKey(DEV_IDENTITY_SECRET);
  const assertions = await Promise.all(Array.from({ length: USERS }, (_, i) => signIdentityAssertion(key, { userId: `user-${String(i + 1).padStart(4, '0')}` }, 3600)));

  const gateways = {
    ours: {
      health: `http://127.0.0.1:${BASE}/health?ready=true`,
      args: ['gateway/main.ts', ['--profile', 'web', '--port', String(BASE), '--log-level', 'warn', ...subgraphArgs.flatMap((a) => ['--subgraph-url', a])]] as const,
      url: `http://127.0.0.1:${BASE}/graphql`,
      headersFor: (i: number) => ({ authorization: `Bearer ${tokens[i]}` }),
      healthHeaders: undefined,
    },
    vanilla: {
      // The standalone server has no health route: a GET of `{ __typename }` (with the CSRF header) is one.
      health: `http://127.0.0.1:${BASE + 1}/?query=%7B__typename%7D`,
      healthHeaders: { 'apollo-require-preflight': 'true' },
      args: ['bench/vanilla-gateway.ts', ['schema/supergraph.graphql', String(BASE + 1), ...subgraphArgs]] as const,
      url: `http://127.0.0.1:${BASE + 1}/`,
      headersFor: (i: number) => ({ 'x-storefront-identity': assertions[i]! }),
    },
  };

  const results: Record<'ours' | 'vanilla', Result[]> = { ours: [], vanilla: [] };
  const peaks: Record<'ours' | 'vanilla', number> = { ours: 0, vanilla: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const order: ('ours' | 'vanilla')[] = round % 2 === 0 ? ['ours', 'vanilla'] : ['vanilla', 'ours'];
    for (const name of order) {
      const g = gateways[name];
      const child = await startProcess(g.args[0], [...g.args[1]], g.health, g.healthHeaders);
      await load(g.url, g.headersFor, WARMUP_S, backend);
      const r = await load(g.url, g.headersFor, DURATION_S, backend);
      peaks[name] = Math.max(peaks[name], peakRssMb(child));
      results[name].push(r);
      console.log(`  round ${round + 1} ${name.padEnd(7)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50).padStart(4)} ms  p99 ${String(r.p99).padStart(4)} ms  errors ${r.errors}  REST calls/request ${r.restCallsPerRequest.toFixed(2)}`);
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }

  const mean = (rs: Result[], k: keyof Result) => rs.reduce((a, r) => a + r[k], 0) / rs.length;
  const row = (name: 'ours' | 'vanilla') => {
    const rs = results[name];
    return `${name.padEnd(8)} ${mean(rs, 'rps').toFixed(0).padStart(8)} ${mean(rs, 'p50').toFixed(1).padStart(8)} ${mean(rs, 'p99').toFixed(1).padStart(8)} ${String(rs.reduce((a, r) => a + r.errors, 0)).padStart(7)} ${mean(rs, 'restCallsPerRequest').toFixed(2).padStart(11)} ${String(peaks[name]).padStart(9)}`;
  };
  console.log(`\n${'gateway'.padEnd(8)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)} ${'REST/req'.padStart(11)} ${'peak MB'.padStart(9)}`);
  console.log(row('ours'));
  console.log(row('vanilla'));
  const ratio = (k: keyof Result) => (mean(results.ours, k) / mean(results.vanilla, k)).toFixed(2);
  console.log(`ratio ours/vanilla: throughput ${ratio('rps')}x, p50 ${ratio('p50')}x, p99 ${ratio('p99')}x, peak memory ${(peaks.ours / peaks.vanilla).toFixed(2)}x`);
}

const cleanup = () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
};
process.once('SIGINT', () => {
  cleanup();
  process.exit(130);
});
main().then(
  () => {
    cleanup();
    process.exit(0);
  },
  (error: unknown) => {
    console.error(`bench: ${(error as Error).message}`);
    cleanup();
    process.exit(1);
  },
);
