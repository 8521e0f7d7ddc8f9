import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { closeLoad, frontPage, prepareUsers, type LoadTarget } from '../../bench/faults/load.ts';
import { measureBaseline, runCell, type Baseline, type CellResult, type Fault, type MatrixOptions } from '../../bench/faults/matrix.ts';
import { startFaultSystem, type FaultSystem } from '../../bench/faults/system.ts';

/**
 * A few cells of `npm run faults` (docs/degradation.md), on the same
 * machinery: every process real, a fault in one at a time, FrontPage under a
 * small load of distinct users. The full matrix runs as a command.
 */
const OPTIONS: MatrixOptions = { connections: 2, faultMs: 1500, recoveryCapMs: 8000, optionalBudgetMs: 300 };
/** Scheduling noise of a shared 2-core machine, on top of the acceptance's p99 bound. */
const SLACK_MS = 400;

let system: FaultSystem;
let target: LoadTarget;
let baseline: Baseline;
before(async () => {
  system = await startFaultSystem(mkdtempSync(`${tmpdir()}/faults-`), 2000);
  const users = await prepareUsers(40);
  const healthyLines = new Map<string, number>();
  for (const user of users) {
    // Warm-up, and each user's cart as it is when all is well.
    let s = await frontPage(system.gatewayUrl, user, undefined);
    for (let i = 0; i < 5 && !s.completed; i++) s = await frontPage(system.gatewayUrl, user, undefined);
    const r = await fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` }, body: JSON.stringify({ query: '{ me { cart { items { quantity } } } }' }) });
    healthyLines.set(user.id, ((await r.json()) as { data: { me: { cart: { items: unknown[] } } } }).data.me.cart.items.length);
  }
  target = { url: system.gatewayUrl, users, healthyLines };
  baseline = await measureBaseline(target, OPTIONS, 2000);
});
after(async () => {
  await system?.stop();
  await closeLoad();
});

const cell = (id: string, fault: Fault): Promise<CellResult> => runCell(target, system.backing.find((b) => b.id === id)!, fault, baseline, OPTIONS);

function assertOptionalFault(c: CellResult, fallback: string): void {
  assert.ok(c.answers > 0, 'answers were measured during the fault');
  assert.equal(c.pct.name, 100, 'the user\'s name in every answer');
  assert.equal(c.pct.cartLines, 100, 'every cart line in every answer');
  assert.equal(c.gateway5xx + c.noAnswer, 0, 'no gateway 5xx');
  assert.equal(c.dataNull, 0);
  assert.equal(c.unmarked, 0, 'every answer missing data says it is incomplete');
  assert.ok(c.fallbacks.includes(fallback), `fallbacks marked: ${c.fallbacks.join(', ')}`);
  assert.notEqual(c.recoveryMs, null, 'complete answers again after the fault ends');
}

describe('fault matrix (a few cells)', () => {
  it('promotions subgraph hung (SIGSTOP): core intact, promotions fall back, p99 within healthy p99 + budget', async () => {
    const c = await cell('subgraph-promotions', 'hung');
    assertOptionalFault(c, 'Product.promotions');
    assert.ok(c.p99 <= baseline.p99 + OPTIONS.optionalBudgetMs + 100 + SLACK_MS, `p99 ${c.p99.toFixed(0)} ms vs healthy ${baseline.p99.toFixed(0)} ms`);
  });

  it('catalog REST service failing (HTTP 500): cart lines keep their placeholders, featured products fall back', async () => {
    const c = await cell('rest-catalog', 'failing');
    assertOptionalFault(c, 'Product.name');
    assert.ok(c.fallbacks.includes('Query.featuredProducts'));
  });

  it('pricing subgraph killed, then restarted: core intact during, complete again after', async () => {
    assertOptionalFault(await cell('subgraph-pricing', 'killed'), 'Product.price');
  });

  it('user subgraph killed (critical): no user, errors name it, no 5xx, recovers after restart', async () => {
    const c = await cell('subgraph-user', 'killed');
    assert.equal(c.pct.name, 0);
    assert.equal(c.pct.errorNamesIt, 100, 'every error names the user subgraph');
    assert.equal(c.gateway5xx + c.noAnswer, 0);
    assert.notEqual(c.recoveryMs, null);
  });
});
