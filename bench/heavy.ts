import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCountingHop } from './counting-hop.ts';
import { checkAnswers, type Checked } from './heavy-check.ts';
import { oursAndVanilla } from './ours-and-vanilla.ts';
import { cpuColumn, devAssertions, devTokens, parseBenchOptions, printCpu, printTable, randomBasePort, runBench, runRounds, startGraph, USERS, warmEveryUser } from './harness.ts';

/**
 * Heavy nested traffic through our web gateway and, in the same run, a vanilla
 * Apollo Gateway: bench/heavy.graphql chains entities five hops deep across
 * catalog, pricing, promotions, cart and user, with fragments and the
 * @requires of Cart.totals; answers are 50–125 KB depending on the user's cart.
 *
 *   npm run bench:heavy -- [--duration 10] [--connections 16] [--rounds 2] [--warmup 3] [--gateway-config <file>] [--cached]
 *
 * Our gateway runs the web profile with its protections as shipped (the
 * operation estimates 16,493 against web's maximum of 20,000: docs/cost.md)
 * and its entity cache off: this bench measures execution, `npm run bench --
 * --cached` measures the cache. `--gateway-config <file>` runs ours with
 * another config instead, and every line of output says that it did.
 * `--cached` adds ours fully as shipped, entity cache on and warmed by one
 * heavy operation per user before the load: three gateways per round.
 *
 * Before any load, each gateway answers a sample of distinct users through
 * counting hops in front of the subgraphs: answers must be equal (data, no
 * errors), and the hops count subgraph requests per operation. The hops are
 * then left out: the measured rounds go straight to the subgraphs.
 */
const argv = process.argv.slice(2);
// The harness's flags are strict; this one is the heavy bench's own.
const configAt = argv.indexOf('--gateway-config');
const gatewayConfig = configAt >= 0 ? argv.splice(configAt, 2)[1] : undefined;
const cached = argv.includes('--cached');
if (cached && gatewayConfig) throw new Error('--cached runs ours as shipped: it does not take --gateway-config');
const cacheOff = join(mkdtempSync(join(tmpdir(), 'storefront-bench-heavy-')), 'cache-off.json');
writeFileSync(cacheOff, JSON.stringify({ entityCache: { enabled: false } }));
const options = parseBenchOptions(argv.filter((a) => a !== '--cached'));
const BASE = randomBasePort();
const names = ['ours', 'vanilla'] as const;

runBench(async (processes) => {
  const label = gatewayConfig
    ? `  [ours NOT AS SHIPPED: --config ${gatewayConfig} ${readFileSync(gatewayConfig, 'utf8').trim()}]`
    : cached
      ? '  [cached: ours as shipped, entity cache on and warm; no-cache: ours with the entity cache off]'
      : '  [ours: web profile, protections as shipped, entity cache off]';
  console.log(`heavy benchmark: ${options.rounds} round(s) of ${options.durationS} s per gateway, ${options.connections} connections, ${USERS} distinct users, warm-up ${options.warmupS} s${label}`);
  const graph = await startGraph(processes, BASE);
  const tokens = await devTokens();
  const assertions = await devAssertions();
  const body = JSON.stringify({ query: readFileSync('bench/heavy.graphql', 'utf8'), operationName: 'HeavyStorefront' });

  // Partial answers count as errors here; only ours can say an answer is partial (vanilla drops subgraph extensions).
  const gateways = (subgraphUrls: readonly string[], port: number) => {
    const pair = oursAndVanilla({ port, subgraphUrls, body, tokens, assertions, oursArgs: ['--config', gatewayConfig ?? cacheOff] });
    return { ours: { ...pair.ours, partialIsError: true }, vanilla: pair.vanilla };
  };

  const hops = await Promise.all(graph.subgraphUrls.map(startCountingHop));
  let checked: Checked<(typeof names)[number]>;
  try {
    checked = await checkAnswers(processes, gateways(hops.map((h) => h.subgraphUrl), BASE + 2), names, hops, gatewayConfig === undefined);
  } finally {
    await Promise.all(hops.map((h) => h.close()));
  }

  if (cached) {
    // As shipped: no --config at all.
    const shipped = { ...oursAndVanilla({ port: BASE + 4, subgraphUrls: graph.subgraphUrls, body, tokens, assertions }).ours, partialIsError: true };
    const base = gateways(graph.subgraphUrls, BASE);
    const all = { cached: { ...shipped, verify: () => warmEveryUser(shipped) }, 'no-cache': base.ours, vanilla: base.vanilla };
    const measured = await runRounds(processes, graph, options, ['cached', 'no-cache', 'vanilla'] as const, all, cpuColumn);
    printTable(measured, ['cached', 'vanilla']);
    printTable(measured, ['no-cache', 'vanilla']);
    printCpu(measured, ['cached', 'vanilla']);
    printCpu(measured, ['no-cache', 'vanilla']);
  } else {
    const measured = await runRounds(processes, graph, options, names, gateways(graph.subgraphUrls, BASE), cpuColumn);
    printTable(measured, names);
    printCpu(measured, names);
  }
  console.log(checked.summary);
  if (gatewayConfig) console.log(`NOTE: ours ran with --config ${gatewayConfig}, not as shipped.`);
});
