import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GraphQLError } from 'graphql';
import type { RestFetch } from '../../subgraphs/shared/context.ts';
import { batchLoader, loadManyOrNull, loadOrNull } from '../../subgraphs/shared/loaders.ts';
import type { RestCall } from '../../subgraphs/shared/rest-client.ts';

interface Item {
  id: string;
}

/** A REST batch endpoint over an in-memory table that records every call, as dataloader's own tests do. */
function idEndpoint(known: readonly string[]): [RestFetch, RestCall[]] {
  const calls: RestCall[] = [];
  const fetch = (async (call: RestCall) => {
    calls.push(call);
    const ids = (call.query?.['ids'] ?? '').split(',');
    return { items: ids.filter((id) => known.includes(id)).reverse().map((id) => ({ id })) };
  }) as RestFetch;
  return [fetch, calls];
}

const KNOWN = Array.from({ length: 250 }, (_, i) => `p${i}`);

describe('batch loader', () => {
  it('turns all loads of one tick into one call, answering in key order', async () => {
    const [fetch, calls] = idEndpoint(KNOWN);
    const loader = batchLoader<Item>(fetch, { service: 'catalog', path: '/products', idsParam: 'ids', keyOf: (i) => i.id, resource: 'Product' });
    const results = await Promise.all(['p3', 'p1', 'p2'].map((id) => loader.load(id)));
    assert.deepEqual(results, [{ id: 'p3' }, { id: 'p1' }, { id: 'p2' }]);
    assert.deepEqual(calls.map((c) => c.query?.['ids']), ['p3,p1,p2']);
  });

  it('sends a repeated key once and serves it from the per-request cache afterwards', async () => {
    const [fetch, calls] = idEndpoint(KNOWN);
    const loader = batchLoader<Item>(fetch, { service: 'catalog', path: '/products', idsParam: 'ids', keyOf: (i) => i.id, resource: 'Product' });
    await Promise.all([loader.load('p1'), loader.load('p1'), loader.load('p2')]);
    await loader.load('p1');
    assert.deepEqual(calls.map((c) => c.query?.['ids']), ['p1,p2']);
  });

  it('counts each load as a cache hit or a miss under its batch route, once bound', async () => {
    const [fetch, calls] = idEndpoint(KNOWN);
    const counts: Record<string, { hit: number; miss: number }> = {};
    const observers = (route: string) => {
      const c = (counts[route] = { hit: 0, miss: 0 });
      return { hit: () => c.hit++, miss: () => c.miss++ };
    };
    const loader = batchLoader<Item>(fetch, { service: 'catalog', path: '/products', idsParam: 'ids', keyOf: (i) => i.id, resource: 'Product' }, observers);
    await Promise.all([loader.load('p1'), loader.load('p1'), loader.load('p2')]);
    await loader.load('p1');
    await loader.loadMany(['p2', 'p3']);
    loader.prime('p4', { id: 'p4' });
    assert.deepEqual(await loader.load('p4'), { id: 'p4' });
    assert.deepEqual(calls.map((c) => c.query?.['ids']), ['p1,p2', 'p3']);
    // Misses are exactly the keys sent; hits are a duplicate in the same tick, repeats later, and a primed key.
    assert.deepEqual(counts, { '/products': { hit: 4, miss: 3 } });
  });

  it('puts a NOT_FOUND error in the slot of a key the upstream omitted', async () => {
    const [fetch] = idEndpoint(['p1']);
    const loader = batchLoader<Item>(fetch, { service: 'catalog', path: '/products', idsParam: 'ids', keyOf: (i) => i.id, resource: 'Product' });
    const [found, missing] = await loader.loadMany(['p1', 'nope']);
    assert.deepEqual(found, { id: 'p1' });
    assert.ok(missing instanceof Error);
    assert.equal((missing as GraphQLError).extensions['code'], 'NOT_FOUND');
    assert.equal((missing as GraphQLError).extensions['service'], 'catalog');
    assert.equal(missing.message, 'Product nope was not found');
  });

  it('uses whenMissing for upstreams that omit "empty" entities', async () => {
    const [fetch] = idEndpoint([]);
    const loader = batchLoader<Item & { empty?: boolean }>(fetch, { service: 'cart', path: '/carts', idsParam: 'ids', keyOf: (i) => i.id, resource: 'Cart', whenMissing: (id) => ({ id, empty: true }) });
    assert.deepEqual(await loader.load('u1'), { id: 'u1', empty: true });
  });

  it('chunks at the upstream limit of 100 ids per call', async () => {
    const [fetch, calls] = idEndpoint(KNOWN);
    const loader = batchLoader<Item>(fetch, { service: 'catalog', path: '/products', idsParam: 'ids', keyOf: (i) => i.id, resource: 'Product' });
    const results = await loader.loadMany(KNOWN);
    assert.equal(results.length, 250);
    assert.deepEqual(calls.map((c) => c.query?.['ids']?.split(',').length), [100, 100, 50]);
  });

  it('passes fixed query parameters on every call', async () => {
    const [fetch, calls] = idEndpoint(KNOWN);
    const loader = batchLoader<Item>(fetch, { service: 'pricing', path: '/prices', idsParam: 'ids', query: { tier: 'GOLD' }, keyOf: (i) => i.id, resource: 'Price' });
    await loader.load('p1');
    assert.equal(calls[0]!.query?.['tier'], 'GOLD');
    assert.equal(calls[0]!.route, '/prices');
  });

  it('loadOrNull and loadManyOrNull answer null for NOT_FOUND but rethrow other failures', async () => {
    const [fetch] = idEndpoint(['p1']);
    const loader = batchLoader<Item>(fetch, { service: 'catalog', path: '/products', idsParam: 'ids', keyOf: (i) => i.id, resource: 'Product' });
    assert.equal(await loadOrNull(loader, 'nope'), null);
    assert.deepEqual(await loadManyOrNull(loader, ['p1', 'nope']), [{ id: 'p1' }, null]);
    const failing = batchLoader<Item>((async () => {
      throw new Error('upstream down');
    }) as RestFetch, { service: 'catalog', path: '/products', idsParam: 'ids', keyOf: (i) => i.id, resource: 'Product' });
    await assert.rejects(loadOrNull(failing, 'p1'), /upstream down/);
    await assert.rejects(loadManyOrNull(failing, ['p1']), /upstream down/);
  });
});
