import { devTokens, parseBenchOptions, printTable, randomBasePort, runBench, runRounds, startGraph, type Gateway } from './harness.ts';
import { readFileSync } from 'node:fs';

/**
 * The front page while one optional upstream is failing, against the healthy
 * front page, in the same run (ABBA rounds).
 *
 *   npm run bench:degraded -- [--duration 10] [--connections 16] [--rounds 2] [--warmup 3]
 *
 * healthy:  our web gateway on the five subgraphs.
 * degraded: the same gateway, with its promotions subgraph pointed at a second
 *           promotions subgraph process whose REST service refuses every
 *           connection. Promotions fall back to [] (the response says it is
 *           incomplete), and after the first failures the REST circuit breaker
 *           opens, so the failing upstream stops costing a connection attempt.
 * Errors count non-2xx and bodies with "errors": a fallback is not an error,
 * so the degraded run should report none.
 */
const options = parseBenchOptions(process.argv.slice(2));
const BASE = randomBasePort();

runBench(async (processes) => {
  console.log(`degraded-upstream benchmark: ${options.rounds} round(s) of ${options.durationS} s per gateway, ${options.connections} connections, warm-up ${options.warmupS} s`);
  const graph = await startGraph(processes, BASE);
  const brokenPromotionsPort = BASE + 210;
  // Port 1 on loopback refuses connections: the promotions REST service is "down".
  await processes.start('subgraphs/main.ts', ['--subgraph', 'promotions', '--port', String(brokenPromotionsPort), '--rest-url', 'http://127.0.0.1:1', '--log-level', 'error'], `http://127.0.0.1:${brokenPromotionsPort}/health`);
  const tokens = await devTokens();
  const body = JSON.stringify({ query: readFileSync('persisted-queries/web/FrontPage.graphql', 'utf8'), operationName: 'FrontPage' });
  const gateway = (port: number, subgraphUrls: readonly string[]): Gateway => ({
    script: 'gateway/main.ts',
    args: ['--profile', 'web', '--port', String(port), '--log-level', 'warn', ...subgraphUrls.flatMap((u) => ['--subgraph-url', u])],
    health: `http://127.0.0.1:${port}/health?ready=true`,
    url: `http://127.0.0.1:${port}/graphql`,
    body,
    headersFor: (i) => ({ authorization: `Bearer ${tokens[i]}` }),
    async verify() {
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[0]}` }, body });
      const json = (await response.json()) as { data?: { me?: unknown }; errors?: unknown };
      if (response.status !== 200 || json.errors || !json.data?.me) throw new Error(`gateway on ${port} cannot serve FrontPage: ${JSON.stringify(json).slice(0, 300)}`);
      const completed = response.headers.get('x-storefront-completed');
      const expected = port === BASE ? 'true' : 'false';
      if (completed !== expected) throw new Error(`gateway on ${port} answered x-storefront-completed: ${completed}, expected ${expected}; not measuring`);
    },
  });
  const degradedUrls = graph.subgraphUrls.map((u) => (u.startsWith('promotions=') ? `promotions=http://127.0.0.1:${brokenPromotionsPort}/graphql` : u));
  const measurements = await runRounds(processes, graph, options, ['degraded', 'healthy'] as const, {
    healthy: gateway(BASE, graph.subgraphUrls),
    degraded: gateway(BASE + 1, degradedUrls),
  });
  printTable(measurements, ['degraded', 'healthy']);
});
