import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { waitHealthy } from '../scripts/lib/health.ts';
import { oursAndVanilla } from './ours-and-vanilla.ts';
import { cpuMs, devAssertions, devTokens, peakRssMb, randomBasePort, runBench, startGraph, USERS } from './harness.ts';

/**
 * Where a gateway's peak memory goes on the heavy workload (docs/memory.md):
 * one gateway at a time, with Node flags of your choice (--trace-gc,
 * --max-semi-space-size=16, …), loaded for a while by 16 connections, then
 * its peak RSS (VmHWM), the memoryUsage() and V8 spaces of the sample with
 * the highest RSS (bench/memory-sampler.ts), heap after GC and CPU per request.
 * The gateway's stdout and stderr (the GC trace) go to <out>/<gateway>.log.
 *
 *   node bench/memory-probe.ts ours|vanilla|both <seconds> <out dir> [node flags ...]
 *
 * Our gateway runs the web profile with the entity cache off, as in bench:heavy.
 * Not a comparison (no rounds, no answer checks): `npm run bench:heavy` is.
 */
const [which = 'both', seconds = '20', out = tmpdir(), ...nodeFlags] = process.argv.slice(2);
const BASE = randomBasePort();
const dir = mkdtempSync(join(tmpdir(), 'storefront-memory-probe-'));
const cacheOff = join(dir, 'cache-off.json');
writeFileSync(cacheOff, JSON.stringify({ entityCache: { enabled: false } }));

runBench(async (processes) => {
  const graph = await startGraph(processes, BASE);
  const tokens = await devTokens();
  const assertions = await devAssertions();
  const body = JSON.stringify({ query: readFileSync('bench/heavy.graphql', 'utf8'), operationName: 'HeavyStorefront' });
  const pair = oursAndVanilla({ port: BASE, subgraphUrls: graph.subgraphUrls, body, tokens, assertions, oursArgs: ['--config', cacheOff] });
  for (const name of which === 'both' ? (['ours', 'vanilla'] as const) : [which as 'ours' | 'vanilla']) {
    const g = pair[name];
    const file = join(dir, `${name}.json`);
    const log: Buffer[] = [];
    const child = spawn(process.execPath, ['--expose-gc', '--import', './bench/memory-sampler.ts', ...nodeFlags, g.script, ...g.args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STOREFRONT_MEMORY_SAMPLER_FILE: file } });
    child.stdout!.on('data', (d: Buffer) => log.push(d));
    child.stderr!.on('data', (d: Buffer) => log.push(d));
    // Not one of processes' children: stopped here however the probe ends.
    process.once('exit', () => child.exitCode === null && child.kill('SIGTERM'));
    await waitHealthy(g.health, { timeoutMs: 60_000, exited: () => child.exitCode !== null, ...(g.healthHeaders ? { headers: g.healthHeaders } : {}) });
    const startPeak = peakRssMb(child);
    let sent = 0;
    const cpuBefore = cpuMs(child);
    const result = await autocannon({
      url: g.url,
      connections: 16,
      duration: Number(seconds),
      requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, body: g.body, headers: { 'content-type': 'application/json', ...g.headersFor(sent++ % USERS) } }) }],
    });
    await new Promise((resolve) => setTimeout(resolve, 1000)); // in-flight requests finish
    const cpuMsPerRequest = (cpuMs(child) - cpuBefore) / sent;
    const peak = peakRssMb(child);
    child.kill('SIGUSR2');
    for (let waited = 0; waited < 10_000 && !existsSync(file); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the write may still be under way
    const memory = JSON.parse(readFileSync(file, 'utf8')) as object;
    await processes.stop(child);
    writeFileSync(join(out, `${name}.log`), Buffer.concat(log));
    console.log(JSON.stringify({ gateway: name, nodeFlags, reqPerS: result.requests.average, sent, errors: result.errors + result.non2xx, cpuMsPerRequest: Number(cpuMsPerRequest.toFixed(2)), peakRssAtStartMb: startPeak, peakRssMb: peak, ...memory }));
  }
}, () => rmSync(dir, { recursive: true, force: true }));
