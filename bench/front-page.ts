import { readFileSync } from 'node:fs';
import { identityKey, signIdentityAssertion } from '../common/identity.ts';
import { DEV_IDENTITY_SECRET } from '../common/secrets.ts';
import { oursAndVanilla } from './ours-and-vanilla.ts';
import { cpuColumn, devTokens, parseBenchOptions, printCpu, printTable, randomBasePort, runBench, runRounds, seededUserId, startGraph, USERS } from './harness.ts';

/**
 * Front-page load through our web gateway and, in the same run, through a
 * vanilla Apollo Gateway on the same supergraph and subgraphs. Every request
 * carries a distinct user's token (1,000 seeded users, round robin), so no
 * layer can answer many clients from one shared execution.
 *
 *   npm run bench -- [--duration 10] [--connections 16] [--rounds 2] [--warmup 3]
 *
 * Rounds alternate ours/vanilla (ABBA…) to spread machine noise over both.
 * Everything runs on 127.0.0.1; each gateway is its own process, so its
 * peak memory (VmHWM) is its own.
 */
const options = parseBenchOptions(process.argv.slice(2));
const BASE = randomBasePort();

runBench(async (processes) => {
  console.log(`front-page benchmark: ${options.rounds} round(s) of ${options.durationS} s per gateway, ${options.connections} connections, ${USERS} distinct users, warm-up ${options.warmupS} s`);
  const graph = await startGraph(processes, BASE);
  const tokens = await devTokens();
  const key = identityKey(DEV_IDENTITY_SECRET);
  const assertions = await Promise.all(Array.from({ length: USERS }, (_, i) => signIdentityAssertion(key, { userId: seededUserId(i) }, 3600)));
  const body = JSON.stringify({ query: readFileSync('persisted-queries/web/FrontPage.graphql', 'utf8'), operationName: 'FrontPage' });

  const names = ['ours', 'vanilla'] as const;
  const measured = await runRounds(processes, graph, options, names, oursAndVanilla({ port: BASE, subgraphUrls: graph.subgraphUrls, body, tokens, assertions }), cpuColumn);
  printTable(measured, names);
  printCpu(measured, names);
});
