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

/** FrontPage's estimated cost (test/e2e/protection-cost.test.ts): the budget below holds exactly one. */
const FRONT_PAGE_ESTIMATE = 1410;

interface CostExtension {
  readonly actualQueryCost: number | null;
  readonly throttleStatus: { readonly currentlyAvailable: number };
}
const costOf = (body: { extensions?: Record<string, unknown> }) => body.extensions?.['cost'] as CostExtension;

describe('budgets across gateway processes', () => {
  it('two gateway processes on one Redis charge one budget per client', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-'));
    const config = join(dir, 'gateway.json');
    // Room for one FrontPage and never restored: whatever the first one actually
    // costs (a degraded page costs less), what is left cannot pay for a second.
    writeFileSync(config, JSON.stringify({ cost: { maxCost: FRONT_PAGE_ESTIMATE, budget: { maximumAvailable: FRONT_PAGE_ESTIMATE, restoreRatePerSecond: 0, redisKeyPrefix: `proc${Date.now()}:` } } }));
    const [a, b] = await Promise.all([gatewayProcess(config), gatewayProcess(config)]);
    const token = await tokenFor('user-0020');
    const first = await postGraphQL(a, { query: operation('web', 'FrontPage') }, { token });
    assert.equal(first.status, 200);
    const left = costOf(first.body).throttleStatus.currentlyAvailable;
    assert.equal(left, FRONT_PAGE_ESTIMATE - costOf(first.body).actualQueryCost!, 'the first process charged the actual cost');
    assert.ok(left < FRONT_PAGE_ESTIMATE);
    const onB = await postGraphQL(b, { query: operation('web', 'FrontPage') }, { token });
    assert.equal(onB.status, 429);
    assert.equal(onB.body.errors?.[0]?.extensions?.['code'], 'THROTTLED');
    assert.equal(costOf(onB.body).throttleStatus.currentlyAvailable, left, 'the second process sees the bucket the first one left');
    const other = await postGraphQL(b, { query: operation('web', 'FrontPage') }, { token: await tokenFor('user-0021') });
    assert.equal(other.status, 200, 'another client still has its full budget');
  });
});
