import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ConfigError, intOrString, parseFlags } from '../common/config.ts';
import { mintDevToken } from '../common/dev-token.ts';
import { Supervisor, type ProcessSpec } from './lib/supervisor.ts';

/**
 * `npm start`: the whole storefront on localhost as separate processes — five
 * REST services, five subgraphs, the web and mobile gateways — under a small
 * supervisor (scripts/lib/supervisor.ts): it waits until each is healthy, prints
 * how to use it, restarts a process that dies, and stops everything on Ctrl-C,
 * SIGTERM or SIGHUP, or when whoever started it (npm, an IDE) goes away.
 */
interface PlannedProcess extends ProcessSpec {
  readonly port: number;
}

const SUBGRAPHS = ['user', 'catalog', 'cart', 'pricing', 'promotions'] as const;
const DEFAULT_READY_TIMEOUT_S = 180;
/**
 * V8's compiled code for every module, kept on disk between runs (Node's module compile
 * cache): twelve processes load mostly the same modules, and every later start skips
 * compiling them. Under node_modules, so `npm ci` starts it afresh.
 */
const COMPILE_CACHE_DIR = join(import.meta.dirname, '..', 'node_modules', '.cache', 'node-compile-cache');

function plan(ports: { web: number; mobile: number; subgraph: (i: number) => number; rest: (i: number) => number }): PlannedProcess[] {
  const specs: PlannedProcess[] = [];
  SUBGRAPHS.forEach((name, i) => {
    const restPort = ports.rest(i);
    specs.push({ name: `rest-${name}`, entry: 'services/main.ts', args: ['--service', name, '--port', String(restPort)], port: restPort, health: `http://127.0.0.1:${restPort}/health` });
  });
  const subgraphUrls: string[] = [];
  SUBGRAPHS.forEach((name, i) => {
    const port = ports.subgraph(i);
    subgraphUrls.push('--subgraph-url', `${name}=http://127.0.0.1:${port}/graphql`);
    specs.push({
      name: `subgraph-${name}`,
      entry: 'subgraphs/main.ts',
      args: ['--subgraph', name, '--port', String(port), '--rest-url', `http://127.0.0.1:${ports.rest(i)}`],
      port,
      health: `http://127.0.0.1:${port}/health`,
    });
  });
  for (const profile of ['web', 'mobile'] as const) {
    const port = ports[profile];
    specs.push({
      name: `gateway-${profile}`,
      entry: 'gateway/main.ts',
      args: ['--profile', profile, '--port', String(port), '--expose-rest-calls', ...subgraphUrls],
      port,
      health: `http://127.0.0.1:${port}/health?ready=true`,
    });
  }
  return specs;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * `count` distinct ports the OS says are free now (for `--…-port 0`): twelve processes
 * cannot all bind port 0 and tell each other. Every probe stays bound until all are
 * known, or the OS may hand one port out twice (it did, about one launch in 250).
 */
async function osFreePorts(count: number): Promise<number[]> {
  const probes = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      probes.map(
        (probe) =>
          new Promise<number>((resolve, reject) => {
            probe.once('error', reject);
            probe.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => resolve((probe.address() as { port: number }).port));
          }),
      ),
    );
  } finally {
    await Promise.all(probes.map((probe) => new Promise((resolve) => (probe.listening ? probe.close(resolve) : resolve(undefined)))));
  }
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2), {
    'web-port': { type: 'string' },
    'mobile-port': { type: 'string' },
    'subgraph-base-port': { type: 'string' },
    'rest-base-port': { type: 'string' },
    'ready-timeout': { type: 'string' },
    'fail-fast': { type: 'boolean' },
    only: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (flags.help) {
    console.log(`usage: npm start -- [--web-port 4000] [--mobile-port 4010] [--subgraph-base-port 4200] [--rest-base-port 4300]
                    [--ready-timeout ${DEFAULT_READY_TIMEOUT_S}] [--fail-fast]
  a port of 0 picks free ports from the OS; --ready-timeout is in seconds;
  --fail-fast stops everything when one process dies (default: restart it with backoff);
  --only rest-cart,subgraph-cart starts just those processes (names as printed once running)`);
    return 0;
  }
  const num = (value: string | undefined, fallback: number, flag: string, max = 65530) => {
    const parsed = value === undefined ? fallback : intOrString(value);
    if (typeof parsed !== 'number' || parsed < 0 || parsed > max) throw new ConfigError('command-line', [`--${flag}: expected a number from 0 to ${max}, received ${JSON.stringify(value)}`]);
    return parsed;
  };
  const readyTimeoutS = num(flags['ready-timeout'], DEFAULT_READY_TIMEOUT_S, 'ready-timeout', 86_400);
  const web = num(flags['web-port'], 4000, 'web-port');
  const mobile = num(flags['mobile-port'], 4010, 'mobile-port');
  const subgraphBase = num(flags['subgraph-base-port'], 4200, 'subgraph-base-port');
  const restBase = num(flags['rest-base-port'], 4300, 'rest-base-port');
  const free = await osFreePorts(2 + 2 * SUBGRAPHS.length);
  const planned = plan({
    web: web || free[0]!,
    mobile: mobile || free[1]!,
    subgraph: (i) => (subgraphBase ? subgraphBase + i + 1 : free[2 + i]!),
    rest: (i) => (restBase ? restBase + i + 1 : free[2 + SUBGRAPHS.length + i]!),
  });
  const only = flags.only?.split(',').map((name) => name.trim());
  const unknown = only?.filter((name) => !planned.some((p) => p.name === name)) ?? [];
  if (unknown.length > 0) throw new ConfigError('command-line', [`--only: expected names from ${planned.map((p) => p.name).join(', ')}, received ${unknown.join(', ')}`]);
  const specs = only ? planned.filter((p) => only.includes(p.name)) : planned;

  const taken = [];
  for (const spec of specs) if (!(await portIsFree(spec.port))) taken.push(`port ${spec.port} (${spec.name}) is already in use`);
  if (taken.length > 0) {
    console.error(`npm start: cannot start:\n  ${taken.join('\n  ')}\nStop whatever holds them, or pick other ports (npm start -- --help).`);
    return 1;
  }

  mkdirSync('logs', { recursive: true });
  const startedAt = Date.now();
  const supervisor = new Supervisor(specs, {
    logDir: 'logs',
    env: { ...process.env, NODE_COMPILE_CACHE: process.env['NODE_COMPILE_CACHE'] ?? COMPILE_CACHE_DIR },
    failFast: flags['fail-fast'] === true,
    say: (line) => console.error(line),
  });

  let stopRequested: ((reason: string) => void) | undefined;
  const stopped = new Promise<string>((resolve) => (stopRequested = resolve));
  // Last resort: whatever way this process ends, no child outlives it (and a SIGKILL of
  // this process is covered by the children themselves, through their IPC channel).
  process.once('exit', () => supervisor.killAll());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => stopRequested?.(signal));
  // npm answers a SIGTERM or SIGHUP by exiting without telling us: we are re-parented.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stopRequested?.('parent exited');
  }, 500).unref();

  supervisor.start();
  const outcome = await Promise.race([
    supervisor.ready(readyTimeoutS * 1000).then(
      () => null,
      (error: Error) => error.message,
    ),
    supervisor.failed,
    stopped.then((reason) => `stopped (${reason}) before everything was ready`),
  ]);
  if (outcome !== null) {
    console.error(`npm start: ${outcome}`);
    await supervisor.stop();
    return 1;
  }
  const readyS = ((Date.now() - startedAt) / 1000).toFixed(1);

  if (only) {
    console.log(`\nstorefront-bff is running (only ${specs.map((p) => `${p.name} on port ${p.port}`).join(', ')}), ready in ${readyS} s`);
    return waitUntilStopped();
  }
  const token = await mintDevToken('user-0001');
  const webPort = specs.find((s) => s.name === 'gateway-web')!.port;
  const mobilePort = specs.find((s) => s.name === 'gateway-mobile')!.port;
  const frontPage = readFileSync('persisted-queries/web/FrontPage.graphql', 'utf8').replace(/#.*\n/g, '').replace(/\s+/g, ' ').trim();
  const mobileManifest = JSON.parse(readFileSync('persisted-queries/manifests/mobile.json', 'utf8')) as { operations: { id: string; name: string }[] };
  const mobileFrontPage = mobileManifest.operations.find((o) => o.name === 'FrontPage')?.id;
  const bodyOf = (payload: unknown) => JSON.stringify(payload).replace(/'/g, `'\\''`);
  console.log(`
storefront-bff is running, ready in ${readyS} s (logs in ./logs; Ctrl-C stops everything)

  web gateway      http://127.0.0.1:${webPort}/graphql   (open it in a browser: GraphiQL, offline)
  mobile gateway   http://127.0.0.1:${mobilePort}/graphql
  health           http://127.0.0.1:${webPort}/health   readiness: /health?ready=true
${specs.filter((s) => !s.name.startsWith('gateway')).map((s) => `  ${s.name.padEnd(20)} http://127.0.0.1:${s.port}`).join('\n')}

A token for seeded user user-0001 (valid 12 h; another user: npm run token -- --user user-0042):
  export TOKEN=${token}

Front page (user, cart with prices and promotions, featured products):
  curl -s http://127.0.0.1:${webPort}/graphql -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\
    -d '${bodyOf({ query: frontPage })}'

Add to cart:
  curl -s http://127.0.0.1:${webPort}/graphql -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\
    -d '${bodyOf({ query: 'mutation AddToCart($productId: ID!, $quantity: Int!) { addToCart(productId: $productId, quantity: $quantity) { itemCount items { quantity product { name } } } }', variables: { productId: 'prod-00042', quantity: 2 } })}'

Mobile sends persisted-query ids only (free-form GraphQL is refused there); the front page by its id:
  curl -s http://127.0.0.1:${mobilePort}/graphql -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\
    -d '${bodyOf({ documentId: `sha256:${mobileFrontPage}`, operationName: 'FrontPage' })}'
`);

  return waitUntilStopped();

  async function waitUntilStopped(): Promise<number> {
    const reason = await Promise.race([stopped, supervisor.failed.then((r) => `failed: ${r}`)]);
    if (reason.startsWith('failed: ')) console.error(`npm start: ${reason.slice(8)}`);
    console.log('stopping...');
    await supervisor.stop();
    return reason.startsWith('failed: ') ? 1 : 0;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  },
);
