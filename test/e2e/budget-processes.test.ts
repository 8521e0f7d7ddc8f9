import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RestServiceHandle, ServiceName } from '../../services/server.ts';
import type { SubgraphName } from '../../subgraphs/shared/config.ts';
import type { RunningSubgraph } from '../../subgraphs/shared/server.ts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { operation } from '../support/operations.ts';
import { startRedis, type RunningRedis } from '../support/redis.ts';
import { postGraphQL, startRestServices, startSubgraphs, tokenFor } from '../support/system.ts';

/**
 * Two gateway processes, as two replicas behind a load balancer would run,
 * sharing one real redis-server: one budget per client across both.
 */
let rest: Record<ServiceName, RestServiceHandle> | undefined;
let subgraphs: Record<SubgraphName, RunningSubgraph> | undefined;
let redis: RunningRedis | undefined;
const gateways: GatewayProcess[] = [];

before(async () => {
  rest = await startRestServices();
  subgraphs = await startSubgraphs(rest);
  redis = await startRedis();
});
// Stops whatever did start, even when set-up failed halfway.
after(async () => {
  await Promise.allSettled(gateways.map((g) => g.stop()));
  await redis?.stop();
  await Promise.all(Object.values(subgraphs ?? {}).map((s) => s.stop()));
  await Promise.all(Object.values(rest ?? {}).map((s) => s.close()));
});

async function gatewayProcess(configPath: string): Promise<string> {
  const args = ['--config', configPath, '--redis-url', redis!.url, '--log-level', 'info'];
  for (const [name, s] of Object.entries(subgraphs!)) args.push('--subgraph-url', `${name}=${s.url}`);
  return (await startGatewayProcess(args, gateways)).url;
}

describe('budgets across gateway processes', () => {
  it('two gateway processes on one Redis charge one budget per client', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-'));
    const config = join(dir, 'gateway.json');
    writeFileSync(config, JSON.stringify({ cost: { maxCost: 1500, budget: { maximumAvailable: 1500, restoreRatePerSecond: 0.5, redisKeyPrefix: `proc${Date.now()}:` } } }));
    const [a, b] = await Promise.all([gatewayProcess(config), gatewayProcess(config)]);
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
