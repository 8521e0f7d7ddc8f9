import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { useSharedGraph } from '../support/graph.ts';
import { operation } from '../support/operations.ts';
import { postGraphQL, tokenFor } from '../support/system.ts';

/**
 * Two gateway processes, as two replicas behind a load balancer would run,
 * sharing one real redis-server: one budget per client across both.
 */
const graph = useSharedGraph({ redis: true });

async function gatewayProcess(configPath: string): Promise<string> {
  return (await graph.gatewayProcess(['--config', configPath, '--log-level', 'info'])).url;
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
