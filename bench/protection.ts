import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIMIT_NAMES } from '../gateway/admission/limits/limits.ts';
import { cpuColumn, devTokens, mean, parseBenchOptions, printCpu, printTable, randomBasePort, runBench, runRounds, startGraph, USERS, type Gateway, type Measurements } from './harness.ts';

/**
 * What the protections cost: the front page, sent by id, through two web
 * gateways from the same code, one with the profile's protections and one
 * with them turned off by config, in the same run (ABBA rounds).
 *
 *   npm run bench:protection -- [--duration 10] [--connections 16] [--rounds 2] [--warmup 3]
 *
 * protected:   web profile defaults: apq mode with the manifest, every limit
 *              enforced, cost maximum enforced, budgets enforced in memory.
 * unprotected: a --config file with apq mode (the id must still resolve from
 *              the manifest: a hash cannot run without that lookup), every
 *              limit `max: null`, `cost.maxCost: null`, budgets disabled.
 *
 * Both send `{ "documentId": "sha256:<FrontPage id>", "operationName": "FrontPage" }`
 * (the GraphQL-over-HTTP persisted document, not Apollo's APQ extension), one
 * seeded user's token per request. Turning the protections off by config does
 * not remove the cost *analysis*: the gateway still estimates each operation
 * and computes its actual cost for `extensions.cost`. What the ratio prices is
 * enforcement: the token count of the text, the limit checks, and the budget
 * take and refund.
 */
const options = parseBenchOptions(process.argv.slice(2));
const BASE = randomBasePort();
const configDir = mkdtempSync(join(tmpdir(), 'storefront-bench-'));

function frontPageId(): string {
  const manifest = JSON.parse(readFileSync('persisted-queries/manifests/web.json', 'utf8')) as { operations: { id: string; name: string }[] };
  const frontPage = manifest.operations.find((o) => o.name === 'FrontPage');
  if (!frontPage) throw new Error('persisted-queries/manifests/web.json has no FrontPage operation: run npm run pq:manifest');
  return frontPage.id;
}

const UNPROTECTED_CONFIG = {
  persistedQueries: { mode: 'apq' },
  limits: Object.fromEntries(LIMIT_NAMES.map((name) => [name, { max: null }])),
  cost: { maxCost: null, budget: { enabled: false } },
};

/** 31 aliased root fields: over web's maxAliases (30) and maxRootFields (20), free to execute. */
const OVER_LIMITS_QUERY = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(' ')} }`;

interface Reply {
  status: number;
  json: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[]; extensions?: { cost?: { requestedQueryCost?: unknown; throttleStatus?: unknown } } };
}

async function post(url: string, body: string, token: string): Promise<Reply> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
  const text = await response.text();
  try {
    return { status: response.status, json: JSON.parse(text) as Reply['json'] };
  } catch {
    throw new Error(`${url} answered HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
}

/**
 * Before any load: the gateway answers FrontPage by id, and its config is the
 * one we meant (a wrong file would compare a gateway with itself).
 */
async function verify(name: 'protected' | 'unprotected', url: string, body: string, token: string): Promise<void> {
  const fail = (what: string) => {
    throw new Error(`${name} gateway: ${what}; not measuring`);
  };
  const front = await post(url, body, token);
  if (front.status !== 200 || front.json.errors) fail(`FrontPage by documentId answered HTTP ${front.status}: ${JSON.stringify(front.json.errors ?? front.json).slice(0, 300)}`);
  if (!front.json.data?.['me'] || !Array.isArray(front.json.data['featuredProducts'])) fail('FrontPage by documentId returned no me or featuredProducts');
  const cost = front.json.extensions?.cost;
  if (name === 'protected') {
    if (typeof cost?.requestedQueryCost !== 'number') fail('no extensions.cost.requestedQueryCost in the FrontPage response');
    if (!cost?.throttleStatus) fail('no extensions.cost.throttleStatus: budgets are not enforced');
  } else if (cost?.throttleStatus) {
    fail('extensions.cost.throttleStatus present: budgets are still enabled');
  }
  const over = await post(url, JSON.stringify({ query: OVER_LIMITS_QUERY }), token);
  const code = over.json.errors?.[0]?.extensions?.code;
  if (name === 'protected' && !(over.status === 400 && code?.startsWith('MAX_'))) fail(`31 aliases were not refused (HTTP ${over.status}, ${code ?? 'no error code'})`);
  if (name === 'unprotected' && (over.status !== 200 || over.json.errors)) fail(`31 aliases were refused (HTTP ${over.status}, ${code ?? 'no error code'}): limits are still on`);
}

/** The ABBA spread: each gateway's range of req/s over rounds, and protected/unprotected per round. */
function printSpread({ results }: Measurements<'protected' | 'unprotected'>): void {
  const range = (name: 'protected' | 'unprotected') => {
    const rps = results[name].map((r) => r.rps);
    return `${Math.min(...rps).toFixed(0)}–${Math.max(...rps).toFixed(0)} req/s`;
  };
  const perRound = results.protected.map((r, i) => (r.rps / results.unprotected[i]!.rps).toFixed(2));
  console.log(`spread over rounds: protected ${range('protected')}, unprotected ${range('unprotected')}; throughput ratio per round ${perRound.join(', ')}`);
  const p50 = (mean(results.protected, 'p50') - mean(results.unprotected, 'p50')).toFixed(1);
  console.log(`p50 difference protected − unprotected: ${p50} ms`);
}

runBench(
  async (processes) => {
    const id = frontPageId();
    const body = JSON.stringify({ documentId: `sha256:${id}`, operationName: 'FrontPage' });
    const configPath = join(configDir, 'unprotected.json');
    writeFileSync(configPath, JSON.stringify(UNPROTECTED_CONFIG, null, 2));
    console.log(`protection benchmark: FrontPage by documentId sha256:${id.slice(0, 12)}…, ${options.rounds} round(s) of ${options.durationS} s per gateway, ${options.connections} connections, ${USERS} distinct users, warm-up ${options.warmupS} s`);
    console.log(`  protected: web profile defaults; unprotected: --config ${configPath}`);
    const graph = await startGraph(processes, BASE);
    const tokens = await devTokens();
    const gateway = (name: 'protected' | 'unprotected', port: number, extraArgs: string[]): Gateway => ({
      script: 'gateway/main.ts',
      args: ['--profile', 'web', '--port', String(port), '--log-level', 'warn', ...extraArgs, ...graph.subgraphUrls.flatMap((a) => ['--subgraph-url', a])],
      health: `http://127.0.0.1:${port}/health?ready=true`,
      url: `http://127.0.0.1:${port}/graphql`,
      body,
      headersFor: (i) => ({ authorization: `Bearer ${tokens[i]}` }),
      verify: () => verify(name, `http://127.0.0.1:${port}/graphql`, body, tokens[0]!),
    });
    const names = ['protected', 'unprotected'] as const;
    const measured = await runRounds(processes, graph, options, names, {
      protected: gateway('protected', BASE, []),
      unprotected: gateway('unprotected', BASE + 1, ['--config', configPath]),
    }, cpuColumn);
    printTable(measured, names);
    printSpread(measured);
    printCpu(measured, names);
  },
  () => rmSync(configDir, { recursive: true, force: true }),
);
