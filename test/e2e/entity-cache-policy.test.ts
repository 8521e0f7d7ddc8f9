import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import { startCacheGraph, type CacheGraph } from '../support/cache-graph.ts';
import { gatewayConfigFor, postGraphQL, silentLogger, tokenFor } from '../support/system.ts';
import { waitFor } from '../support/wait.ts';

/**
 * What the entity cache stores is what each subgraph's Cache-Control allows:
 * tested on a fixture graph whose hints the tests choose (public 60 s,
 * public 1 s, private, none), over real HTTP, with every subgraph request recorded.
 */
let graph: CacheGraph;
let gateway: RunningGateway;
before(async () => {
  graph = await startCacheGraph();
  gateway = await startGateway(
    gatewayConfigFor(
      Object.fromEntries(Object.entries(graph.subgraphUrls).map(([name, url]) => [name, { url }])),
      { supergraphPath: graph.supergraphPath, healthCheckIntervalMs: 0, cost: { budget: { enabled: false } } },
    ),
    silentLogger,
  );
});
after(async () => {
  await gateway?.stop();
  await graph?.stop();
});

const query = (q: string, options: { token?: string; headers?: Record<string, string>; variables?: Record<string, unknown> } = {}) =>
  postGraphQL(gateway.url, { query: q, ...(options.variables ? { variables: options.variables } : {}) }, options);
const shopRequests = (field: string) => graph.received.shop.filter((r) => r.query.includes(field));
const warehouseRequests = (field: string) => graph.received.warehouse.filter((r) => r.query.includes(field));

describe('entity cache: what is stored', () => {
  it('serves a public root field from cache until its max-age, then refetches; no answer is ever older than max-age', async () => {
    const first = await query('{ quote { version producedAtMs } }');
    assert.equal(first.body.errors, undefined, JSON.stringify(first.body.errors));
    const firstVersion = (first.body.data as { quote: { version: number } }).quote.version;
    const sentBefore = shopRequests('quote').length;
    let refetched = false;
    const started = Date.now();
    // Bounded: max-age is 1 s, so a new version must come within ~2 s.
    while (!refetched) {
      const servedAt = Date.now();
      const r = await query('{ quote { version producedAtMs } }');
      const { version, producedAtMs } = (r.body.data as { quote: { version: number; producedAtMs: number } }).quote;
      assert.ok(servedAt - producedAtMs <= 1000 + 50, `served an answer ${servedAt - producedAtMs} ms old; max-age is 1 s`);
      assert.match(r.headers.get('cache-control') ?? '', /^(max-age=[01], public|no-store)$/, 'the client is never told it may keep it longer than what is left');
      if (version !== firstVersion) refetched = true;
      assert.ok(Date.now() - started < 2500, 'the expired entry was not refetched');
    }
    assert.ok(shopRequests('quote').length - sentBefore >= 1);
  });

  it('expired entities are refetched, fresh ones are not', async () => {
    const levels = async () => ((await query('{ stocks { id level } }')).body.data as { stocks: { level: number }[] }).stocks.map((s) => s.level);
    const first = await levels();
    const sent = warehouseRequests('level').length;
    assert.deepEqual(await levels(), first, 'within max-age: from cache');
    assert.equal(warehouseRequests('level').length, sent, 'and not fetched');
    await waitFor(async () => (await levels()).every((level, i) => level > first[i]!), 2500);
    assert.deepEqual(warehouseRequests('level').at(-1)!.representations, ['s1', 's2', 's3']);
  });

  it('never stores private data: each identity gets its own answer, fetched every time', async () => {
    const [alice, bob] = await Promise.all([tokenFor('user-0010'), tokenFor('user-0011')]);
    const sent = warehouseRequests('reservedByMe').length;
    for (const [token, user] of [[alice, 'user-0010'], [bob, 'user-0011'], [alice, 'user-0010'], [bob, 'user-0011']] as const) {
      const r = await query('{ stocks { id reservedByMe } whoami }', { token });
      assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
      const data = r.body.data as { stocks: { id: string; reservedByMe: string }[]; whoami: string };
      assert.equal(data.whoami, user);
      assert.deepEqual(data.stocks.map((s) => s.reservedByMe), ['s1', 's2', 's3'].map((id) => `${id} reserved by ${user}`), 'same entity keys, different identity: never the other user\'s');
      assert.match(r.headers.get('cache-control') ?? '', /private|no-store/, 'and the client is told not to share it');
    }
    assert.equal(warehouseRequests('reservedByMe').length - sent, 4, 'every private fetch went to the subgraph');
    assert.deepEqual(warehouseRequests('reservedByMe').slice(-4).map((r) => r.userId), ['user-0010', 'user-0011', 'user-0010', 'user-0011']);
  });

  it('cannot be poisoned through headers: a client\'s identity or cache headers are not what the subgraph sees', async () => {
    const alice = await tokenFor('user-0010');
    const forged = await query('{ whoami stocks { id reservedByMe } }', { headers: { 'x-storefront-identity': 'forged', authorization: '', 'cache-control': 'max-age=3600, public', 'x-user-id': 'user-0010' } });
    const data = forged.body.data as { whoami: string | null; stocks: { reservedByMe: string }[] };
    assert.equal(data.whoami, null);
    assert.ok(data.stocks.every((s) => s.reservedByMe.endsWith('reserved by nobody')));
    const real = await query('{ whoami }', { token: alice });
    assert.equal((real.body.data as { whoami: string }).whoami, 'user-0010', 'the anonymous answer was not kept for Alice either');
  });

  it('cannot be poisoned through variables: each set of variables is its own entry, whatever its key order', async () => {
    const q = 'query($a: Boolean!, $b: Boolean!) { stocks { id level @include(if: $a) reservedByMe @include(if: $b) } }';
    const withLevel = await query(q, { variables: { a: true, b: false } });
    const withoutLevel = await query(q, { variables: { b: false, a: false } });
    assert.ok((withLevel.body.data as { stocks: { level?: number }[] }).stocks.every((s) => typeof s.level === 'number'));
    assert.ok((withoutLevel.body.data as { stocks: { level?: number }[] }).stocks.every((s) => s.level === undefined));
  });

  it('never stores data without a hint', async () => {
    const sent = shopRequests('unhinted').length;
    await query('{ unhinted }');
    await query('{ unhinted }');
    assert.equal(shopRequests('unhinted').length - sent, 2);
  });

  it('coalesces identical concurrent public fetches into one (stampede control)', async () => {
    await query('{ slowBoard { id } }'); // learns that slowBoard is public
    const purged = await fetch(new URL('/cache/invalidate', gateway.url), { method: 'POST', headers: { authorization: 'Bearer test-cache-invalidation-secret-0123456789', 'content-type': 'application/json' }, body: JSON.stringify({ tags: ['query:slowBoard'] }) });
    assert.equal(purged.status, 200);
    graph.gate.close();
    const sent = shopRequests('slowBoard').length;
    const coalesced = async () => Number(/storefront_gateway_entity_cache_coalesced_total\{[^}]*subgraph="shop"[^}]*\} (\d+)/.exec(await (await fetch(new URL('/metrics', gateway.url))).text())?.[1] ?? 0);
    const before = await coalesced();
    const all = Promise.all(Array.from({ length: 8 }, () => query('{ slowBoard { id } }')));
    // The event: seven requests joined the one in flight.
    await waitFor(async () => (await coalesced()) - before === 7);
    graph.gate.open();
    const answers = await all;
    assert.equal(shopRequests('slowBoard').length - sent, 1, 'one fetch for eight requests');
    for (const answer of answers) assert.deepEqual(answer.body.data, { slowBoard: [{ id: 's1' }, { id: 's2' }] });
  });

  it('never coalesces private fetches across identities', async () => {
    const users = ['user-0020', 'user-0021', 'user-0022'];
    const answers = await Promise.all(users.map(async (user) => query('{ whoami }', { token: await tokenFor(user) })));
    assert.deepEqual(answers.map((a) => (a.body.data as { whoami: string }).whoami), users);
  });
});
