import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { ConfigError, intOrString, parseFlags } from '../common/config.ts';
import { mintDevToken } from './lib/dev-token.ts';
import { waitHealthy } from './lib/health.ts';

/**
 * `npm start`: the whole storefront on localhost as separate processes — five
 * REST services, five subgraphs, the web and mobile gateways — waits until each
 * is healthy, prints how to use it, and stops everything on Ctrl-C.
 */
interface ProcessSpec {
  readonly name: string;
  readonly entry: string;
  readonly args: string[];
  readonly port: number;
  /** Health URL that answers 200 once the process can serve. */
  readonly health: string;
}

const SUBGRAPHS = ['user', 'catalog', 'cart', 'pricing', 'promotions'] as const;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

function plan(ports: { web: number; mobile: number; subgraphBase: number; restBase: number }): ProcessSpec[] {
  const specs: ProcessSpec[] = [];
  SUBGRAPHS.forEach((name, i) => {
    const restPort = ports.restBase + i + 1;
    specs.push({ name: `rest-${name}`, entry: 'services/main.ts', args: ['--service', name, '--port', String(restPort)], port: restPort, health: `http://127.0.0.1:${restPort}/health` });
  });
  const subgraphUrls: string[] = [];
  SUBGRAPHS.forEach((name, i) => {
    const port = ports.subgraphBase + i + 1;
    subgraphUrls.push('--subgraph-url', `${name}=http://127.0.0.1:${port}/graphql`);
    specs.push({
      name: `subgraph-${name}`,
      entry: 'subgraphs/main.ts',
      args: ['--subgraph', name, '--port', String(port), '--rest-url', `http://127.0.0.1:${ports.restBase + i + 1}`],
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

function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
  } catch {
    return '    (no log)';
  }
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2), {
    'web-port': { type: 'string' },
    'mobile-port': { type: 'string' },
    'subgraph-base-port': { type: 'string' },
    'rest-base-port': { type: 'string' },
    help: { type: 'boolean' },
  });
  if (flags.help) {
    console.log('usage: npm start -- [--web-port 4000] [--mobile-port 4010] [--subgraph-base-port 4200] [--rest-base-port 4300]');
    return 0;
  }
  const num = (value: string | undefined, fallback: number, flag: string) => {
    const parsed = value === undefined ? fallback : intOrString(value);
    if (typeof parsed !== 'number' || parsed < 1 || parsed > 65530) throw new ConfigError('command-line', [`--${flag}: expected a port number, received ${JSON.stringify(value)}`]);
    return parsed;
  };
  const specs = plan({
    web: num(flags['web-port'], 4000, 'web-port'),
    mobile: num(flags['mobile-port'], 4010, 'mobile-port'),
    subgraphBase: num(flags['subgraph-base-port'], 4200, 'subgraph-base-port'),
    restBase: num(flags['rest-base-port'], 4300, 'rest-base-port'),
  });

  const taken = [];
  for (const spec of specs) if (!(await portIsFree(spec.port))) taken.push(`port ${spec.port} (${spec.name}) is already in use`);
  if (taken.length > 0) {
    console.error(`npm start: cannot start:\n  ${taken.join('\n  ')}\nStop whatever holds them, or pick other ports (npm start -- --help).`);
    return 1;
  }

  mkdirSync('logs', { recursive: true });
  const children = new Map<string, { child: ChildProcess; log: WriteStream; logPath: string; exited: boolean }>();
  let shuttingDown = false;

  const stopAll = async () => {
    shuttingDown = true;
    await Promise.all(
      [...children.values()].map(
        ({ child, exited }) =>
          new Promise<void>((resolve) => {
            if (exited || child.exitCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  };

  let failure: ((reason: string) => void) | undefined;
  const failed = new Promise<string>((resolve) => (failure = resolve));

  for (const spec of specs) {
    const logPath = `logs/${spec.name}.log`;
    const log = createWriteStream(logPath, { flags: 'w' });
    const child = spawn(process.execPath, ['--import', 'tsx', spec.entry, ...spec.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    const entry = { child, log, logPath, exited: false };
    children.set(spec.name, entry);
    child.once('exit', (code, signal) => {
      entry.exited = true;
      if (!shuttingDown) failure?.(`${spec.name} exited (${signal ?? `code ${code}`}); last lines of ${logPath}:\n${tail(logPath)}`);
    });
  }

  // Last resort: whatever way this process ends (an uncaught error, process.exit from a
  // path that skipped stopAll), no child outlives it. Only SIGKILL of this process escapes.
  process.once('exit', () => {
    for (const { child } of children.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  process.once('SIGINT', () => failure?.('interrupted'));
  process.once('SIGTERM', () => failure?.('terminated'));

  const deadline = Date.now() + START_TIMEOUT_MS;
  const ready = Promise.all(
    specs.map((spec) =>
      waitHealthy(spec.health, { timeoutMs: deadline - Date.now(), exited: () => children.get(spec.name)!.exited }).catch((error: Error) => {
        throw new Error(`${spec.name} ${error.message}; last lines of logs/${spec.name}.log:\n${tail(`logs/${spec.name}.log`)}`);
      }),
    ),
  );
  const started = await Promise.race([ready.then(() => null), failed, ready.catch((e: Error) => e.message)]);
  if (started !== null) {
    console.error(`npm start: ${started}`);
    await stopAll();
    return 1;
  }

  const token = await mintDevToken('user-0001');
  const web = specs.find((s) => s.name === 'gateway-web')!.port;
  const mobile = specs.find((s) => s.name === 'gateway-mobile')!.port;
  const frontPage = readFileSync('persisted-queries/web/FrontPage.graphql', 'utf8').replace(/#.*\n/g, '').replace(/\s+/g, ' ').trim();
  const bodyOf = (payload: unknown) => JSON.stringify(payload).replace(/'/g, `'\\''`);
  console.log(`
storefront-bff is running (logs in ./logs, Ctrl-C stops everything)

  web gateway      http://127.0.0.1:${web}/graphql
  mobile gateway   http://127.0.0.1:${mobile}/graphql
  health           http://127.0.0.1:${web}/health   readiness: /health?ready=true
${specs.filter((s) => !s.name.startsWith('gateway')).map((s) => `  ${s.name.padEnd(20)} http://127.0.0.1:${s.port}`).join('\n')}

A token for seeded user user-0001 (valid 12 h; another user: npm run token -- --user user-0042):
  export TOKEN=${token}

Front page (user, cart with prices and promotions, featured products):
  curl -s http://127.0.0.1:${web}/graphql -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\
    -d '${bodyOf({ query: frontPage })}'

Add to cart:
  curl -s http://127.0.0.1:${web}/graphql -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\
    -d '${bodyOf({ query: 'mutation AddToCart($productId: ID!, $quantity: Int!) { addToCart(productId: $productId, quantity: $quantity) { itemCount items { quantity product { name } } } }', variables: { productId: 'prod-00042', quantity: 2 } })}'
`);

  const reason = await failed;
  if (reason !== 'interrupted' && reason !== 'terminated') console.error(`npm start: ${reason}`);
  console.log('stopping...');
  await stopAll();
  for (const { log } of children.values()) log.end();
  return reason === 'interrupted' || reason === 'terminated' ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  },
);
