import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oursAndVanilla } from './ours-and-vanilla.ts';
import { cpuColumn, devAssertions, devTokens, parseBenchOptions, printCpu, printTable, randomBasePort, runBench, runRounds, startGraph, USERS, warmEveryUser } from './harness.ts';

/**
 * Front-page load through our web gateway and, in the same run, through a
 * vanilla Apollo Gateway on the same supergraph and subgraphs. Every request
 * carries a distinct user's token (1,000 seeded users, round robin), so no
 * layer can answer many clients from one shared execution.
 *
 *   npm run bench -- [--duration 10] [--connections 16] [--rounds 2] [--warmup 3] [--cached]
 *
 * Without --cached, ours runs with its entity cache off: the cost of the
 * uncached path, comparable with earlier runs. With --cached, three gateways
 * in one run: ours with the entity cache (as shipped, in memory, warmed by one
 * front page per user before the load), ours with it off, and vanilla.
 *
 * Rounds alternate the order (ABBA…) to spread machine noise. Everything runs
 * on 127.0.0.1; each gateway is its own process, so its peak memory (VmHWM)
 * is its own.
 */
const argv = process.argv.slice(2);
const cached = argv.includes('--cached');
const options = parseBenchOptions(argv.filter((a) => a !== '--cached'));
const BASE = randomBasePort();
const configDir = mkdtempSync(join(tmpdir(), 'storefront-bench-cache-'));
const cacheOff = join(configDir, 'cache-off.json');
writeFileSync(cacheOff, JSON.stringify({ entityCache: { enabled: false } }));

runBench(async (processes) => {
  const mode = cached ? 'ours with the entity cache (warm), ours without, vanilla' : 'ours (entity cache off) and vanilla';
  console.log(`front-page benchmark: ${mode}; ${options.rounds} round(s) of ${options.durationS} s per gateway, ${options.connections} connections, ${USERS} distinct users, warm-up ${options.warmupS} s`);
  const graph = await startGraph(processes, BASE);
  const tokens = await devTokens();
  const assertions = await devAssertions();
  const body = JSON.stringify({ query: readFileSync('persisted-queries/web/FrontPage.graphql', 'utf8'), operationName: 'FrontPage' });
  const base = oursAndVanilla({ port: BASE, subgraphUrls: graph.subgraphUrls, body, tokens, assertions, oursArgs: ['--config', cacheOff] });

  if (!cached) {
    const names = ['ours', 'vanilla'] as const;
    const measured = await runRounds(processes, graph, options, names, base, cpuColumn);
    printTable(measured, names);
    printCpu(measured, names);
    return;
  }
  const withCache = oursAndVanilla({ port: BASE + 2, subgraphUrls: graph.subgraphUrls, body, tokens, assertions }).ours;
  const gateways = { cached: { ...withCache, verify: () => warmEveryUser(withCache) }, 'no-cache': base.ours, vanilla: base.vanilla };
  const names = ['cached', 'no-cache', 'vanilla'] as const;
  const measured = await runRounds(processes, graph, options, names, gateways, cpuColumn);
  printTable(measured, ['cached', 'no-cache']);
  printTable(measured, ['cached', 'vanilla']);
  printCpu(measured, ['cached', 'no-cache']);
  printCpu(measured, ['cached', 'vanilla']);
}, () => rmSync(configDir, { recursive: true, force: true }));
