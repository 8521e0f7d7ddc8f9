import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { Coalescer } from '../../gateway/cache/coalesce.ts';
import { EntityCache, type SubgraphRequest, type SubgraphResponse } from '../../gateway/cache/entity-cache.ts';
import { entityKey, fetchShapeOf, operationKey } from '../../gateway/cache/fetch-shape.ts';
import { entityTag, tagsOf } from '../../gateway/cache/tags.ts';
import { MemoryCacheStore } from '../../gateway/cache/memory-store.ts';
import { createEntityCacheMetrics } from '../../gateway/cache/metrics.ts';
import { policyOf } from '../../gateway/cache/policy.ts';
import { peekReport } from '../../gateway/cache/report.ts';
import { silentLogger } from '../support/system.ts';

describe('cache policy from a subgraph\'s Cache-Control', () => {
  it('caches public answers for their max-age, capped', () => {
    assert.deepEqual(policyOf('max-age=60, public', 3600), { cacheable: true, maxAgeSeconds: 60 });
    assert.deepEqual(policyOf('public, max-age=90000', 3600), { cacheable: true, maxAgeSeconds: 3600 });
    assert.deepEqual(policyOf('public, max-age=60, s-maxage=10', 3600), { cacheable: true, maxAgeSeconds: 10 });
  });

  it('never caches private, no-store, max-age 0, a missing header or an unknown scope', () => {
    assert.deepEqual(policyOf('max-age=60, private', 3600), { cacheable: false, private: true });
    for (const header of ['no-store', 'max-age=0, public', null, undefined, '', 'max-age=60', 'max-age=abc, public', 'public, max-age=60, no-cache']) {
      assert.equal(policyOf(header, 3600).cacheable, false, String(header));
    }
  });
});

describe('fetch shapes', () => {
  it('tells entity fetches, root queries, mutations and the rest apart', () => {
    assert.deepEqual(fetchShapeOf('query Q__catalog__1($representations:[_Any!]!){_entities(representations:$representations){...on Product{name}}}'), { kind: 'entities', variable: 'representations' });
    assert.deepEqual(fetchShapeOf('query{featuredProducts{__typename id name}}'), { kind: 'root', fields: ['featuredProducts'] });
    assert.deepEqual(fetchShapeOf('mutation{addToCart(productId:"p"){id} r:removeFromCart(productId:"q"){id}}'), { kind: 'mutation', fields: [{ responseName: 'addToCart', name: 'addToCart' }, { responseName: 'r', name: 'removeFromCart' }] });
    for (const query of ['subscription{x}', '{__schema{types{name}}}', '{_service{sdl}}', 'query{...F} fragment F on Query{a}', 'not graphql', 'query A{a} query B{b}', '{e:_entities(representations:$r){__typename}}']) {
      assert.equal(fetchShapeOf(query).kind, 'other', query);
    }
  });

  it('keys an entity by subgraph, representation and operation, whatever the key order of its fields', () => {
    const op = operationKey('pricing', 'query{x}', { representations: [1], tier: 'GOLD' }, 'representations');
    assert.equal(op, operationKey('pricing', 'query{x}', { tier: 'GOLD', representations: [2, 3] }, 'representations'), 'representations are not part of the operation');
    assert.notEqual(op, operationKey('pricing', 'query{x}', { tier: 'SILVER' }, 'representations'), 'other variables are');
    assert.notEqual(op, operationKey('catalog', 'query{x}', { tier: 'GOLD' }, 'representations'));
    assert.equal(entityKey('s', { __typename: 'Product', id: 'a', sku: 'b' }, op), entityKey('s', { sku: 'b', id: 'a', __typename: 'Product' }, op));
    assert.notEqual(entityKey('s', { __typename: 'Product', id: 'a' }, op), entityKey('s', { __typename: 'Product', id: 'b' }, op));
  });

  it('tags entities by type and key', () => {
    assert.equal(entityTag({ __typename: 'Product', id: 'prod-00042' }), 'product:prod-00042');
    assert.equal(entityTag({ __typename: 'Sku', code: 'x', store: 1 }), 'sku:{"code":"x","store":1}');
    assert.deepEqual([...tagsOf({ featuredProducts: [{ __typename: 'Product', id: 'p1', category: { __typename: 'Category', id: 'c1' } }, { __typename: 'Product', id: 'p2' }] })].sort(), ['category', 'category:c1', 'product', 'product:p1', 'product:p2']);
  });
});

describe('memory store', () => {
  it('evicts least recently used entries beyond its size in bytes', () => {
    const store = new MemoryCacheStore(10_000);
    const value = 'x'.repeat(1000);
    store.setSync(Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value, ttlMs: 60_000, tags: [] })));
    assert.ok(store.bytes <= 10_000, String(store.bytes));
    const found = store.getSync(Array.from({ length: 10 }, (_, i) => `k${i}`));
    assert.equal(found[0], undefined, 'the oldest went first');
    assert.notEqual(found[9], undefined, 'the newest stays');
  });

  it('purges by tag, and forgets tags of entries that left', () => {
    const store = new MemoryCacheStore(1_000_000);
    store.setSync([
      { key: 'a', value: '1', ttlMs: 60_000, tags: ['product', 'product:1'] },
      { key: 'b', value: '2', ttlMs: 60_000, tags: ['product', 'product:2'] },
    ]);
    assert.equal(store.purgeSync(['product:1']), 1);
    assert.deepEqual(store.getSync(['a', 'b']).map((f) => (typeof f === 'object' ? f.value : f)), [undefined, '2']);
    assert.equal(store.purgeSync(['product']), 1);
    assert.equal(store.purgeSync(['product']), 0);
  });
});

describe('coalescing', () => {
  it('runs identical concurrent work once and gives every joiner its own copy', async () => {
    const coalescer = new Coalescer();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const work = async () => {
      runs++;
      await gate;
      return { response: { data: { list: [1, 2] } } };
    };
    const all = Promise.all([coalescer.run('k', work), coalescer.run('k', work), coalescer.run('other', work)] as const);
    release();
    const [leader, follower, other] = await all;
    assert.equal(runs, 2);
    assert.deepEqual([leader.joined, follower.joined, other.joined], [false, true, false]);
    assert.deepEqual(follower.response, leader.response);
    assert.notEqual(follower.response.data, leader.response.data, 'a copy, not the same objects');
    await coalescer.run('k', work);
    assert.equal(runs, 3, 'nothing is kept once the work is done');
  });
});

/** A subgraph fetch recorded: what representations each send carried (dataloader's idLoader pattern). */
function entitySubgraph(answer: (representation: { id: string }) => unknown, cacheControl: string, errorsFor: string[] = []) {
  const sent: string[][] = [];
  const send = async (request: SubgraphRequest): Promise<SubgraphResponse> => {
    const representations = request.variables!['representations'] as { id: string }[];
    sent.push(representations.map((r) => r.id));
    const errors = representations.flatMap((r, i) => (errorsFor.includes(r.id) ? [{ message: `no ${r.id}`, path: ['_entities', i, 'name'] }] : []));
    return {
      data: { _entities: representations.map((r) => (errorsFor.includes(r.id) ? null : answer(r))) },
      ...(errors.length ? { errors } : {}),
      http: { headers: new Headers(errors.length ? { 'cache-control': 'no-store' } : { 'cache-control': cacheControl }) },
    };
  };
  return { send, sent };
}

const ENTITY_QUERY = 'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{name}}}';

function fetchOptions(ids: string[], context: object = {}, restrictions: unknown[] = []) {
  return {
    kind: 'incoming operation',
    request: { query: ENTITY_QUERY, variables: { representations: ids.map((id) => ({ __typename: 'Product', id })) } },
    context,
    incomingRequestContext: { overallCachePolicy: { restrict: (hint: unknown) => restrictions.push(hint) } },
  } as never;
}

function newCache() {
  const store = new MemoryCacheStore(1_000_000);
  return { store, cache: new EntityCache({ store, metrics: createEntityCacheMetrics(new Registry(), () => false), logger: silentLogger, maxTtlSeconds: 3600, coalesce: true }) };
}

describe('entity cache', () => {
  it('fetches only the entities it does not hold and answers in the order asked', async () => {
    const { cache } = newCache();
    const subgraph = entitySubgraph((r) => ({ name: `name of ${r.id}` }), 'max-age=60, public');
    await cache.fetch('catalog', fetchOptions(['p1', 'p2']), subgraph.send);
    const context = {};
    const restrictions: unknown[] = [];
    const response = await cache.fetch('catalog', fetchOptions(['p3', 'p1', 'p4', 'p2'], context, restrictions), subgraph.send);
    assert.deepEqual(subgraph.sent, [['p1', 'p2'], ['p3', 'p4']]);
    assert.deepEqual(response.data, { _entities: ['p3', 'p1', 'p4', 'p2'].map((id) => ({ name: `name of ${id}` })) });
    assert.deepEqual({ hits: peekReport(context)!.hits, misses: peekReport(context)!.misses }, { hits: 2, misses: 2 });
    assert.ok(restrictions.some((r) => (r as { scope?: string }).scope === 'PUBLIC'), 'the client response is restricted by the cached answers\' remaining life');
    const warm = await cache.fetch('catalog', fetchOptions(['p4', 'p3']), subgraph.send);
    assert.equal(subgraph.sent.length, 2, 'all cached: nothing sent');
    assert.deepEqual(warm.data, { _entities: [{ name: 'name of p4' }, { name: 'name of p3' }] });
  });

  it('moves the errors of the fetched entities to their positions in the whole list, and stores nothing from an answer with errors', async () => {
    const { cache } = newCache();
    const good = entitySubgraph((r) => ({ name: r.id }), 'max-age=60, public');
    await cache.fetch('catalog', fetchOptions(['p1']), good.send);
    const failing = entitySubgraph((r) => ({ name: r.id }), 'max-age=60, public', ['p9']);
    const response = await cache.fetch('catalog', fetchOptions(['p1', 'p2', 'p9']), failing.send);
    assert.deepEqual(failing.sent, [['p2', 'p9']]);
    assert.deepEqual(response.data, { _entities: [{ name: 'p1' }, { name: 'p2' }, null] });
    assert.deepEqual(response.errors, [{ message: 'no p9', path: ['_entities', 2, 'name'] }]);
    await cache.fetch('catalog', fetchOptions(['p2']), good.send);
    assert.deepEqual(good.sent, [['p1'], ['p2']], 'p2 came with an error beside it: not stored');
  });

  it('never stores private or unhinted answers, and stops looking them up', async () => {
    for (const header of ['max-age=60, private', 'no-store']) {
      const { cache, store } = newCache();
      const subgraph = entitySubgraph((r) => ({ name: r.id }), header);
      await cache.fetch('user', fetchOptions(['u1']), subgraph.send);
      await cache.fetch('user', fetchOptions(['u1']), subgraph.send);
      assert.deepEqual(subgraph.sent, [['u1'], ['u1']], header);
      assert.equal(store.bytes, 0, header);
      const context = {};
      await cache.fetch('user', fetchOptions(['u1'], context), subgraph.send);
      const report = peekReport(context)!;
      assert.deepEqual([report.hits, report.misses, report.fetches], [0, 0, 1], 'a fetch known to be uncacheable is not even looked up, only sent');
    }
  });

  it('serves copies: a request changing its answer does not change the cache', async () => {
    const { cache } = newCache();
    const subgraph = entitySubgraph(() => ({ name: 'original' }), 'max-age=60, public');
    await cache.fetch('catalog', fetchOptions(['p1']), subgraph.send);
    const first = await cache.fetch('catalog', fetchOptions(['p1']), subgraph.send);
    (first.data!['_entities'] as { name: string }[])[0]!.name = 'changed';
    const second = await cache.fetch('catalog', fetchOptions(['p1']), subgraph.send);
    assert.deepEqual(second.data, { _entities: [{ name: 'original' }] });
  });
});

describe('entity cache: coalescing', () => {
  it('a follower whose leader failed fetches for itself instead of failing with the leader\'s error', async () => {
    const { cache, store } = newCache();
    const good = entitySubgraph((r) => ({ name: r.id }), 'max-age=60, public');
    await cache.fetch('catalog', fetchOptions(['p1']), good.send); // learns that the fetch is public
    store.purgeSync(['subgraph:catalog']);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const send = async (request: SubgraphRequest): Promise<SubgraphResponse> => {
      calls++;
      if (calls === 1) {
        await gate;
        throw new Error('the leader\'s deadline passed');
      }
      return good.send(request);
    };
    const leader = cache.fetch('catalog', fetchOptions(['p1']), send);
    const followerContext = {};
    const follower = cache.fetch('catalog', fetchOptions(['p1'], followerContext), send);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(peekReport(followerContext)!.coalesced, 1, 'it joined');
    release();
    await assert.rejects(leader, /deadline/);
    assert.deepEqual((await follower).data, { _entities: [{ name: 'p1' }] });
    assert.equal(calls, 2);
  });
});
