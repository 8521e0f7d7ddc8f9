import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { parseFlags } from '../common/config.ts';
import { devTokens, randomBasePort, runBench, startGraph, USERS } from './harness.ts';
import { waitHealthy } from '../scripts/lib/health.ts';

/**
 * Where our gateway's CPU goes: starts the graph and our web gateway under
 * `node --cpu-prof`, loads it with FrontPage or the heavy operation for a few
 * seconds (after a warm-up), stops it and prints the top self-time frames
 * with their share, the GC share included.
 *
 *   node bench/profile.ts [--workload front-page|heavy] [--duration 5] [--connections 16] [--top 30] [--gateway-config <file>]
 *
 * The .cpuprofile file is kept (its path is printed) for Chrome DevTools.
 */
const flags = parseFlags(process.argv.slice(2), {
  workload: { type: 'string' },
  duration: { type: 'string' },
  connections: { type: 'string' },
  top: { type: 'string' },
  'gateway-config': { type: 'string' },
});
const workload = flags.workload ?? 'front-page';
const BASE = randomBasePort();

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * Self time summed by `keyOf(frame)`, largest first, as shares of the time
 * sampled from `fromUs` on (V8's profile clock and process.hrtime are both
 * CLOCK_MONOTONIC on Linux), idle excluded.
 */
function selfTime(profile: CpuProfile, fromUs: number, top: number, keyOf: (frame: ProfileNode['callFrame']) => string): string[] {
  const frameOf = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const byKey = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const frame = frameOf.get(id)!;
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (frame.functionName === '(idle)' || at < fromUs) return;
    const key = keyOf(frame);
    byKey.set(key, (byKey.get(key) ?? 0) + delta);
    total += delta;
  });
  return [...byKey].sort((a, b) => b[1] - a[1]).slice(0, top).map(([key, us]) => `${((100 * us) / total).toFixed(1).padStart(5)} %  ${key}`);
}

/** This checkout's root as a file URL: our frames are shown relative to it. */
const PROJECT_ROOT = new URL('..', import.meta.url).href;

/** Self time by function (name, file, line). */
export function topSelfTime(profile: CpuProfile, top: number, fromUs: number): string[] {
  return selfTime(profile, fromUs, top, (frame) => {
    const file = frame.url.replace(/^.*node_modules\//, '').replace(PROJECT_ROOT, '');
    return `${frame.functionName || '(anonymous)'}  ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
  });
}

/** Where a frame's code lives: a package, our code, Node's internals, or V8 itself (GC, idle-free native work). */
function ownerOf(url: string, functionName: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith('node:')) return 'node (internals)';
  if (url.startsWith('file://')) return 'ours';
  return functionName === '(garbage collector)' ? 'GC' : 'native / V8';
}

/** Self time by owner (package, ours, node, GC, native). */
export function selfTimeByOwner(profile: CpuProfile, fromUs: number): string[] {
  return selfTime(profile, fromUs, 16, (frame) => ownerOf(frame.url, frame.functionName));
}

runBench(async (processes) => {
  const graph = await startGraph(processes, BASE);
  const tokens = await devTokens();
  const query = workload === 'heavy' ? readFileSync('bench/heavy.graphql', 'utf8') : readFileSync('persisted-queries/web/FrontPage.graphql', 'utf8');
  const body = JSON.stringify({ query, operationName: workload === 'heavy' ? 'HeavyStorefront' : 'FrontPage' });
  const dir = mkdtempSync(join(tmpdir(), 'storefront-profile-'));
  const port = BASE;
  const args = ['--cpu-prof', '--cpu-prof-dir', dir, 'gateway/main.ts', '--profile', 'web', '--port', String(port), '--log-level', 'warn', ...(flags['gateway-config'] ? ['--config', flags['gateway-config']] : []), ...graph.subgraphUrls.flatMap((a) => ['--subgraph-url', a])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitHealthy(`http://127.0.0.1:${port}/health?ready=true`, { timeoutMs: 60_000, exited: () => child.exitCode !== null });
  let next = 0;
  const run = (duration: number) =>
    autocannon({
      url: `http://127.0.0.1:${port}/graphql`,
      connections: Number(flags.connections ?? 16),
      duration,
      requests: [{ method: 'POST', setupRequest: (r) => ({ ...r, body, headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[next++ % USERS]}` } }) }],
    });
  await run(2);
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const result = await run(Number(flags.duration ?? 5));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!);
  console.log(`${workload}: ${result.requests.average.toFixed(0)} req/s, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}; profile ${file} (shares below: the measured load only)`);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log('self time by owner:');
  for (const line of selfTimeByOwner(profile, fromUs)) console.log(line);
  console.log('top frames by self time:');
  for (const line of topSelfTime(profile, Number(flags.top ?? 30), fromUs)) console.log(line);
  processes.stopAll();
});
