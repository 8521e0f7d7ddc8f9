import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RestServiceHandle, ServiceName } from '../../services/server.ts';
import type { SubgraphName } from '../../subgraphs/shared/config.ts';
import type { RunningSubgraph } from '../../subgraphs/shared/server.ts';
import { waitHealthy } from '../../scripts/lib/health.ts';
import { operation } from '../support/operations.ts';
import { startRedis, type RunningRedis } from '../support/redis.ts';
import { postGraphQL, startRestServices, startSubgraphs, tokenFor } from '../support/system.ts';

/**
 * Two gateway processes, as two replicas behind a load balancer would run,
 * sharing one real redis-server: one budget per client across both.
 */
const ROOT = new URL('../../', import.meta.url).pathname;

let rest: Record<ServiceName, RestServiceHandle>;
let subgraphs: Record<SubgraphName, RunningSubgraph>;
let redis: RunningRedis;
const children: ChildProcess[] = [];

before(async () => {
  rest = await startRestServices();
  subgraphs = await startSubgraphs(rest);
  redis = await startRedis();
});
after(async () => {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once('exit', resolve)))));
  await redis.stop();
  await Promise.all(Object.values(subgraphs).map((s) => s.stop()));
  await Promise.all(Object.values(rest).map((s) => s.close()));
});

async function gatewayProcess(port: number, configPath: string): Promise<string> {
  const args = ['--import', 'tsx', 'gateway/main.ts', '--port', String(port), '--config', configPath, '--redis-url', redis.url, '--log-level', 'warn'];
  for (const [name, s] of Object.entries(subgraphs)) args.push('--subgraph-url', `${name}=${s.url}`);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  await waitHealthy(`http://127.0.0.1:${port}/health?ready=true`, { timeoutMs: 30_000, exited: () => child.exitCode !== null });
  return `http://127.0.0.1:${port}/graphql`;
}

describe('budgets across gateway processes', () => {
  it('two gateway processes on one Redis charge one budget per client', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-'));
    const config = join(dir, 'gateway.json');
    writeFileSync(config, JSON.stringify({ cost: { maxCost: 1500, budget: { maximumAvailable: 1500, restoreRatePerSecond: 0.5, redisKeyPrefix: `proc${Date.now()}:` } } }));
    const base = 21000 + Math.floor(Math.random() * 100) * 100;
    const [a, b] = await Promise.all([gatewayProcess(base, config), gatewayProcess(base + 1, config)]);
    const token = await tokenFor('user-0020');
    const first = await postGraphQL(a, { query: operation('web', 'FrontPage') }, { token });
    assert.equal(first.status, 200);
    const onB = await postGraphQL(b, { query: operation('web', 'FrontPage') }, { token });
    assert.equal(onB.status, 429);
    assert.equal(onB.body.errors?.[0]?.extensions?.['code'], 'THROTTLED');
    const other = await postGraphQL(b, { query: operation('web', 'FrontPage') }, { token: await tokenFor('user-0021') });
    assert.equal(other.status, 200, 'another client still has its full budget');
  });
});
