import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, print } from 'graphql';
import { isMergeable, mergeParts, splitAnswer, type FetchAnswer, type FetchPart } from '../../gateway/subgraphs/fetch-merge/merge.ts';
import { FetchMerger, type SendOnce } from '../../gateway/subgraphs/fetch-merge/merger.ts';
import { indexPlan, unpicked } from '../../gateway/subgraphs/fetch-merge/plan.ts';

const ENTITIES = 'query Op__pricing__1($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product { price { cents } } } }';
const ENTITIES_FRAGMENT = 'query Op__pricing__2($representations: [_Any!]!) { _entities(representations: $representations) { ...P } } fragment P on Product { price { cents onSale } }';
const ROOT = 'query Op__pricing__0($id: ID!) { one: price(id: $id) { cents } __typename }';

/**
 * A small subgraph to run merged operations against, so that "the merged
 * answer split back" is compared with what each part gets alone from the
 * same executor, errors and nulls included.
 */
const schema = buildSubgraphSchema({
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    type Price { cents: Int! onSale: Boolean }
    type Product @key(fields: "id") { id: ID! price: Price }
    type Query { price(id: ID!): Price }
  `),
  resolvers: {
    Query: { price: (_: unknown, { id }: { id: string }) => priceOf(id) },
    Product: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      price: ({ id }: { id: string }) => priceOf(id),
    },
  },
});

function priceOf(id: string) {
  if (id === 'broken') throw new Error('no price for broken');
  if (id === 'none') return null;
  // A non-null field failing inside: nulls the price, error path ends at `cents`.
  if (id === 'bad-cents') return { cents: () => { throw new Error('cents failed'); }, onSale: false };
  return { cents: id.length * 100, onSale: id.endsWith('s') };
}

async function run(part: FetchPart): Promise<FetchAnswer> {
  const result = await execute({ schema, document: parse(part.query), variableValues: part.variables ?? {} });
  return JSON.parse(JSON.stringify(result)) as FetchAnswer;
}

const products = (...ids: string[]) => ({ representations: ids.map((id) => ({ __typename: 'Product', id })) });
/** Errors as a client compares them: message and path (locations refer to the text sent). */
const comparable = (answer: FetchAnswer) => ({ data: answer.data, errors: answer.errors?.map((e) => ({ message: e.message, path: e.path })) });

describe('fetch merging: one operation for several fetches', () => {
  it('prefixes each part\'s variables, fragments and root response keys', () => {
    const merged = mergeParts([{ query: ENTITIES, variables: products('a') }, { query: ENTITIES_FRAGMENT, variables: products('b') }, { query: ROOT, variables: { id: 'c' } }], 'Op__pricing__1');
    assert.equal(print(parse(merged.query)), print(parse(`
      query Op__pricing__1($_0_representations: [_Any!]!, $_1_representations: [_Any!]!, $_2_id: ID!) {
        _0__entities: _entities(representations: $_0_representations) { ... on Product { price { cents } } }
        _1__entities: _entities(representations: $_1_representations) { ..._1_P }
        _2_one: price(id: $_2_id) { cents }
        _2___typename: __typename
      }
      fragment _1_P on Product { price { cents onSale } }`)));
    assert.deepEqual(merged.variables, { _0_representations: products('a').representations, _1_representations: products('b').representations, _2_id: 'c' });
  });

  it('refuses what it cannot merge: mutations, several operations, root fragment spreads, unparseable text', () => {
    assert.equal(isMergeable({ query: ENTITIES }), true);
    assert.equal(isMergeable({ query: 'mutation { addToCart(productId: "p") { id } }' }), false);
    assert.equal(isMergeable({ query: 'query A { a } query B { b }' }), false);
    assert.equal(isMergeable({ query: 'query { ...Q } fragment Q on Query { a }' }), false);
    assert.equal(isMergeable({ query: 'query @cached { a }' }), false);
    assert.equal(isMergeable({ query: '{ unclosed' }), false);
  });
});

describe('fetch merging: the answer split back is what each part gets alone', () => {
  const cases: Record<string, FetchPart[]> = {
    'entities only': [{ query: ENTITIES, variables: products('a', 'bb') }, { query: ENTITIES_FRAGMENT, variables: products('ccs', 'a') }],
    'errors with paths and nulls in one part only': [{ query: ENTITIES, variables: products('a', 'broken', 'none') }, { query: ENTITIES_FRAGMENT, variables: products('bb') }],
    'a non-null field failing deep in an entity': [{ query: ENTITIES_FRAGMENT, variables: products('bad-cents', 'x') }, { query: ENTITIES, variables: products('bad-cents') }],
    'root fields with aliases next to entities': [{ query: ROOT, variables: { id: 'broken' } }, { query: ROOT, variables: { id: 'dd' } }, { query: ENTITIES, variables: products('e') }],
  };
  for (const [name, parts] of Object.entries(cases)) {
    it(name, async () => {
      const alone = await Promise.all(parts.map(run));
      const merged = await run(mergeParts(parts));
      const split = splitAnswer(parts, merged);
      assert.deepEqual(split.map(comparable), alone.map(comparable));
      // The cases mean what they say: failures happen where their names put them.
      assert.equal(alone.some((a) => a.errors), name !== 'entities only');
    });
  }

  it('gives errors without a path to every part, and extensions to the first only', () => {
    const parts = [{ query: ENTITIES }, { query: ROOT }];
    const split = splitAnswer(parts, { data: { _0__entities: [], _1_one: null, _1___typename: 'Query' }, errors: [{ message: 'whole request' }, { message: 'one', path: ['_1_one'] }], extensions: { ftv1: 'x' } });
    assert.deepEqual(split, [
      { data: { _entities: [] }, errors: [{ message: 'whole request' }], extensions: { ftv1: 'x' } },
      { data: { one: null, __typename: 'Query' }, errors: [{ message: 'one', path: ['one'] }, { message: 'whole request' }] },
    ]);
  });

  it('answers every part with null data and an error when the merged data is null', () => {
    const parts = [{ query: ENTITIES }, { query: ENTITIES }];
    const split = splitAnswer(parts, { data: null, errors: [{ message: 'non-null _entities failed', path: ['_0__entities'] }] });
    assert.deepEqual(split[0], { data: null, errors: [{ message: 'non-null _entities failed', path: ['_entities'] }] });
    assert.equal(split[1]!.data, null);
    assert.equal(split[1]!.errors?.[0]?.extensions?.['code'], 'SUBGRAPH_UNAVAILABLE');
  });
});

describe('fetch merging: what the query plan says', () => {
  const fetch = (serviceName: string, operation: string) => ({ kind: 'Fetch', serviceName, operation, operationKind: 'query' });
  // FrontPage's shape: featured products' prices and the cart's prices are in parallel branches.
  const plan = {
    node: {
      kind: 'Parallel',
      nodes: [
        { kind: 'Sequence', nodes: [fetch('user', 'me'), { kind: 'Flatten', node: fetch('cart', 'cart') }, { kind: 'Parallel', nodes: [fetch('pricing', 'cart prices'), fetch('catalog', 'cart products')] }] },
        { kind: 'Sequence', nodes: [fetch('catalog', 'featured'), { kind: 'Condition', condition: 'withPrices', ifClause: fetch('pricing', 'featured prices') }] },
      ],
    },
  };

  it('knows each fetch\'s predecessors and whether anything waits for it', () => {
    const index = indexPlan(plan);
    const summary = index.fetches.map((f) => `${f.operation}: ${f.leaf ? 'leaf' : 'waited for'} after [${f.predecessors.map((p) => index.fetches[p]!.operation).join(', ')}]`);
    assert.deepEqual(summary, [
      'me: waited for after []',
      'cart: waited for after [me]',
      'cart prices: leaf after [me, cart]',
      'cart products: leaf after [me, cart]',
      'featured: waited for after []',
      'featured prices: leaf after [featured]',
    ]);
    assert.deepEqual(index.byOperation.get('featured prices'), [5]);
    // Only the two price fetches and the two catalog fetches can run side by side with one of their subgraph.
    assert.deepEqual(index.fetches.map((f) => f.alone), [true, true, false, false, false, false]);
    assert.equal(indexPlan(plan), index, 'analysed once per plan object');
  });

  it('knows which fetches a request\'s @include/@skip variables leave out (never issued, so never waited for)', () => {
    const index = indexPlan(plan);
    assert.deepEqual(unpicked(index, { withPrices: false }), [5]);
    assert.deepEqual(unpicked(index, { withPrices: true }), []);
    assert.deepEqual(unpicked(index, {}), [], 'a default applies: not decided here');
  });
});

describe('fetch merging: which fetches go together', () => {
  /** A merger whose sends run against the test subgraph, recording each HTTP request it would make (dataloader's idLoader pattern). */
  function recorded() {
    const sent: string[][] = [];
    const send: SendOnce = async (options) => {
      const fields = parse(options.request.query!).definitions.flatMap((d) => (d.kind === 'OperationDefinition' ? d.selectionSet.selections.map((s) => (s.kind === 'Field' ? (s.alias ?? s.name).value : '?')) : []));
      sent.push(fields);
      return (await run({ query: options.request.query!, variables: options.request.variables })) as Awaited<ReturnType<SendOnce>>;
    };
    const merger = new FetchMerger({ maxWaitMs: 0 });
    const fetch = (context: object, query: string, variables: Record<string, unknown>) =>
      merger.fetch({ subgraph: 'pricing', timeoutMs: 1000, send, timedOut: () => new Error('timed out'), options: { kind: 'incoming operation', context, request: { query, variables } } as unknown as Parameters<SendOnce>[0] });
    return { sent, fetch };
  }

  it('sends fetches of one request issued in the same tick as one request, and hands each its own answer', async () => {
    const { sent, fetch } = recorded();
    const request = {};
    const [a, b] = await Promise.all([fetch(request, ENTITIES, products('a')), fetch(request, ENTITIES_FRAGMENT, products('bb', 'broken'))]);
    assert.deepEqual(sent, [['_0__entities', '_1__entities']]);
    assert.deepEqual(comparable(a as FetchAnswer), comparable(await run({ query: ENTITIES, variables: products('a') })));
    assert.deepEqual(comparable(b as FetchAnswer), comparable(await run({ query: ENTITIES_FRAGMENT, variables: products('bb', 'broken') })));
  });

  it('never merges fetches of two requests', async () => {
    const { sent, fetch } = recorded();
    await Promise.all([fetch({}, ENTITIES, products('a')), fetch({}, ENTITIES, products('b'))]);
    assert.deepEqual(sent, [['_entities'], ['_entities']]);
  });

  it('never merges a mutation, even with fetches of its own request in the same tick', async () => {
    const { sent, fetch } = recorded();
    const request = {};
    const write = 'mutation { __typename }';
    await Promise.all([fetch(request, write, {}), fetch(request, write, {}), fetch(request, ENTITIES, products('a'))]);
    assert.deepEqual(sent, [['__typename'], ['__typename'], ['_entities']]);
  });
});

describe('fetch merging: holding a fetch for a partner the plan says is coming', () => {
  const USER = 'query U { me { id } }';
  const CART_PRICES = 'query CartPrices($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product { price { cents } } } }';
  const FEATURED_PRICES = 'query FeaturedPrices($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product { price { onSale } } } }';
  // FrontPage's shape: the featured prices (a leaf) are issued while the user fetch, which the cart prices wait for, is on the wire.
  const node = (serviceName: string, operation: string) => ({ kind: 'Fetch', serviceName, operation, operationKind: 'query' });
  const plan = { node: { kind: 'Parallel', nodes: [{ kind: 'Sequence', nodes: [node('user', USER), node('pricing', CART_PRICES)] }, node('pricing', FEATURED_PRICES)] } };
  const ticks = async (n: number) => { for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r)); };

  function scenario(maxWaitMs: number) {
    const sent: string[] = [];
    let answerUser!: () => void;
    const userAnswered = new Promise<void>((resolve) => { answerUser = resolve; });
    const merger = new FetchMerger({ maxWaitMs });
    const context = {};
    merger.planResolved(context, plan);
    const fetch = (subgraph: string, query: string, variables: Record<string, unknown> = {}) => merger.fetch({
      subgraph, timeoutMs: 1000, timedOut: () => new Error('timed out'),
      send: async (options) => {
        sent.push(`${subgraph}: ${parse(options.request.query!).definitions.map((d) => (d.kind === 'OperationDefinition' ? d.name?.value : '')).join()} ${Object.keys(options.request.variables ?? {}).join(',')}`);
        if (subgraph === 'user') {
          await userAnswered;
          return { data: { me: { id: 'u' } } } as Awaited<ReturnType<SendOnce>>;
        }
        return (await run({ query: options.request.query!, variables: options.request.variables })) as Awaited<ReturnType<SendOnce>>;
      },
      options: { kind: 'incoming operation', context, request: { query, variables, operationName: /query (\w+)/.exec(query)![1] } } as unknown as Parameters<SendOnce>[0],
    });
    return { sent, answerUser, fetch };
  }

  /** The front page's two branches; with `cartPrices` false the executor skips the cart prices (an empty cart). */
  async function frontPage(cartPrices: boolean) {
    const { sent, answerUser, fetch } = scenario(10_000);
    const branch = fetch('user', USER).then(() => (cartPrices ? fetch('pricing', CART_PRICES, products('a')) : undefined));
    const featured = fetch('pricing', FEATURED_PRICES, products('b'));
    await ticks(5);
    const whileUserOnWire = [...sent];
    answerUser();
    await Promise.all([branch, featured]);
    return { whileUserOnWire, sent };
  }

  it('holds a leaf until its partner is issued, then sends both as one request', async () => {
    const { whileUserOnWire, sent } = await frontPage(true);
    assert.deepEqual(whileUserOnWire, ['user: U '], 'the featured prices wait while the user fetch is on the wire');
    assert.deepEqual(sent, ['user: U ', 'pricing: FeaturedPrices _0_representations,_1_representations']);
  });

  it('sends it alone as soon as the partner cannot come any more (its branch issued nothing)', async () => {
    const started = performance.now();
    const { whileUserOnWire, sent } = await frontPage(false);
    assert.ok(performance.now() - started < 5000, 'released when the user fetch settled, not at maxWaitMs (10 s)');
    assert.deepEqual(whileUserOnWire, ['user: U ']);
    assert.deepEqual(sent, ['user: U ', 'pricing: FeaturedPrices representations']);
  });

  it('holds it no longer than maxWaitMs while the predecessor of its partner hangs', async () => {
    const { sent, answerUser, fetch } = scenario(20);
    const user = fetch('user', USER);
    await fetch('pricing', FEATURED_PRICES, products('b'));
    assert.deepEqual(sent, ['user: U ', 'pricing: FeaturedPrices representations'], 'sent while the user fetch still hangs');
    answerUser();
    await user;
  });
});
