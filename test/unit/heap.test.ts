import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { parseGatewayConfig, loadGatewayConfig } from '../../gateway/config.ts';

/**
 * Runs a Node process (the one running the tests: the one we ship) that calls
 * limitHeapGrowth(percent) and then keeps ~20 MB alive while allocating, so
 * that V8 sets old-generation limits; --trace-gc-verbose prints the factor
 * each time.
 */
function factorsWith(percent: number): number[] {
  const script = `
    const { limitHeapGrowth } = await import(${JSON.stringify(new URL('../../gateway/heap.ts', import.meta.url).href)});
    limitHeapGrowth(${percent});
    let kept = [];
    for (let i = 0; i < 1_500_000; i++) {
      kept.push({ i, s: 'x' + i });
      if (kept.length > 200_000) kept = kept.slice(100_000);
    }`;
  const run = spawnSync(process.execPath, ['--trace-gc-verbose', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  return [...run.stdout.matchAll(/\[HeapController\] factor ([\d.]+)/g)].map((m) => Number(m[1]));
}

describe('heap growth limit', () => {
  it('sets the factor V8 uses for every old-generation limit after it is called', () => {
    const factors = factorsWith(50);
    assert.ok(factors.length > 0, 'no full collection happened: the test allocates too little');
    assert.deepEqual([...new Set(factors)], [1.5]);
  });

  it('leaves V8 its own factor at 0', () => {
    const factors = factorsWith(0);
    assert.ok(factors.length > 0, 'no full collection happened: the test allocates too little');
    assert.ok(factors.some((f) => f !== 1.5), `factors ${factors.join(', ')}`);
  });

  it('is 50 % by default, read from GATEWAY_HEAP_GROWING_PERCENT, and bounded', () => {
    assert.equal(parseGatewayConfig({}).heapGrowingPercent, 50);
    assert.equal(loadGatewayConfig([], { GATEWAY_HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent, 0);
    assert.throws(() => parseGatewayConfig({ heapGrowingPercent: 301 }), /heapGrowingPercent/);
    assert.throws(() => parseGatewayConfig({ heapGrowingPercent: 1.5 }), /heapGrowingPercent/);
  });
});
