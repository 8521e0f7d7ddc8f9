import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSchema, parse } from 'graphql';
import { actualCost } from '../../gateway/admission/cost/actual.ts';
import { readCostDirectives } from '../../gateway/admission/cost/directives.ts';
import { estimateCost } from '../../gateway/admission/cost/estimate.ts';

const MAX = Number.MAX_SAFE_INTEGER;

const SDL = `
schema @link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@listSize"]) { query: Query }
directive @link(url: String, as: String, import: [link__Import]) repeatable on SCHEMA
directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
scalar link__Import

type Query {
  item(id: ID): Item
  items(first: Int = 10): [Item] @listSize(slicingArguments: ["first"])
  byIds(ids: [ID!]! @cost(weight: 1)): [Item] @listSize(slicingArguments: ["ids"])
  tree(filter: Filter): Int
}
type Item { id: ID! name: String next: Item children(first: Int = 2): [Item] @listSize(slicingArguments: ["first"]) }
input Filter { and: [Filter!] @cost(weight: 1) }
`;
const schema = buildSchema(SDL);
const directives = readCostDirectives(SDL);
const estimate = (query: string, variables?: Record<string, unknown>) => estimateCost(schema, directives, parse(query), { variables });

/** A sane cost: a whole number in [0, MAX_SAFE_INTEGER], never NaN or Infinity. */
function assertSane(cost: number): void {
  assert.ok(Number.isSafeInteger(cost) && cost >= 0, `not a safe cost: ${cost}`);
}

function timed<T>(run: () => T, maxMs: number): T {
  const started = performance.now();
  const result = run();
  const elapsed = performance.now() - started;
  assert.ok(elapsed < maxMs, `took ${elapsed.toFixed(0)} ms (limit ${maxMs} ms)`);
  return result;
}

describe('cost of hostile documents: huge sizes', () => {
  it('multiplies a huge first: exactly while it fits', () => {
    assert.equal(estimate('{ items(first: 100000000) { id } }'), 100_000_000);
  });

  it('saturates at MAX_SAFE_INTEGER instead of overflowing when huge lists nest', () => {
    const cost = estimate('{ items(first: 100000000) { children(first: 100000000) { children(first: 100000000) { id } } } }');
    assert.equal(cost, MAX);
  });

  it('treats an Int literal beyond any integer type as a huge size, not as missing', () => {
    assert.equal(estimate('{ items(first: 99999999999999999999999999) { id } }'), MAX);
  });

  it('clamps negative, fractional and non-numeric sizes', () => {
    assert.equal(estimate('{ items(first: -5) { id } }'), 0);
    assert.equal(estimate('query($n: Int) { items(first: $n) { id } }', { n: 2.5 }), 3);
    assert.equal(estimate('query($n: Int) { items(first: $n) { id } }', { n: '100' }), 10, 'a string is no size: the schema default applies');
    assert.equal(estimate('query($n: Int) { items(first: $n) { id } }', { n: Number.NaN }), 10);
  });

  it('takes huge variables (1e300, Infinity) as MAX_SAFE_INTEGER, never NaN', () => {
    for (const n of [1e300, Number.MAX_VALUE, Number.POSITIVE_INFINITY]) {
      assert.equal(estimate('query($n: Int) { items(first: $n) { id } }', { n }), MAX, String(n));
      const nested = estimate('query($n: Int) { items(first: $n) { children(first: 0) { id } } }', { n });
      assertSane(nested);
    }
  });

  it('sizes by a list variable of a million ids in linear time', () => {
    const ids = Array.from({ length: 1_000_000 }, (_, i) => `i${i}`);
    // the ids argument weighs 1 (list) + 1 per id; the list holds a million items
    const cost = timed(() => estimate('query($ids: [ID!]!) { byIds(ids: $ids) { id } }', { ids }), 2000);
    assert.equal(cost, 1 + 1_000_000 + 1_000_000);
  });
});

describe('cost of hostile documents: width', () => {
  it('counts each of 10,000 aliases', () => {
    const fields = Array.from({ length: 10_000 }, (_, i) => `a${i}: item(id: ${i}) { next { id } }`).join(' ');
    assert.equal(timed(() => estimate(`{ ${fields} }`), 2000), 20_000);
  });

  it('costs one big variable once, however many aliased fields use it', () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => `i${i}`);
    const fields = Array.from({ length: 10_000 }, (_, i) => `a${i}: byIds(ids: $ids) { id }`).join(' ');
    const cost = timed(() => estimate(`query($ids: [ID!]!) { ${fields} }`, { ids }), 3000);
    assert.equal(cost, 10_000 * (100_001 + 100_000));
  });

  it('stops at a recursive input nested too deep to be real', () => {
    let filter: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) filter = { and: [filter] };
    assert.equal(estimate('query($f: Filter) { tree(filter: $f) }', { f: filter }), MAX);
  });
});

describe('cost of hostile documents: fragments', () => {
  it('terminates on fragment cycles (which validation rejects), costing the cycle once', () => {
    assert.equal(estimate('{ item { ...A } } fragment A on Item { next { id } ...B } fragment B on Item { ...A }'), 2);
    assert.equal(estimate('{ item { ...A } } fragment A on Item { ...A next { id } }'), 2);
  });

  it('walks a fragment spread twice per level for 50 levels once per level (2^51, exact)', () => {
    const fragments = Array.from({ length: 50 }, (_, k) => `fragment F${k} on Item { next { id } ...F${k + 1} ...F${k + 1} }`).join('\n');
    const query = `{ item { ...F0 } } ${fragments} fragment F50 on Item { next { id } }`;
    // F50 = 1, Fk = 1 + 2·F(k+1) → F0 = 2^51 − 1; plus item 1
    assert.equal(timed(() => estimate(query), 1000), 2 ** 51);
  });

  it('saturates a fragment bomb that would exceed MAX_SAFE_INTEGER', () => {
    const fragments = Array.from({ length: 70 }, (_, k) => `fragment F${k} on Item { next { id } ...F${k + 1} ...F${k + 1} }`).join('\n');
    assert.equal(timed(() => estimate(`{ item { ...F0 } } ${fragments} fragment F70 on Item { id }`), 1000), MAX);
  });

  it('follows a chain of 300 fragments exactly', () => {
    const fragments = Array.from({ length: 300 }, (_, k) => `fragment F${k} on Item { next { id } ...F${k + 1} }`).join('\n');
    assert.equal(estimate(`{ item { ...F0 } } ${fragments} fragment F300 on Item { id }`), 301);
  });

  it('costs a chain deeper than 500 levels as MAX_SAFE_INTEGER rather than overflow the stack', () => {
    const fragments = Array.from({ length: 5000 }, (_, k) => `fragment F${k} on Item { ...F${k + 1} }`).join('\n');
    const query = `{ item { ...F0 } } ${fragments} fragment F5000 on Item { id }`;
    assert.equal(estimate(query), MAX);
    const data = { item: { id: '1' } };
    assert.equal(actualCost(schema, directives, parse(query), {}, data), 1, 'the actual walk is iterative: it follows the whole chain');
  });

  it('costs nothing for unknown fragments, fields and types', () => {
    assert.equal(estimate('{ item { ...Missing nope { id } ... on Nope { id } } nope2 }'), 1);
  });
});

describe('actual cost of hostile responses', () => {
  it('ignores values of the wrong shape', () => {
    const query = '{ items { next { id } } item { next { id } } }';
    assert.equal(actualCost(schema, directives, parse(query), {}, { items: 'nope', item: [1, 2] }), 0);
    assert.equal(actualCost(schema, directives, parse(query), {}, null), 0);
  });

  it('walks a response of 100,000 items in linear time', () => {
    const items = Array.from({ length: 100_000 }, (_, i) => ({ next: { id: String(i) } }));
    const query = '{ items(first: 100000) { next { id } ...N } } fragment N on Item { next { id } }';
    assert.equal(timed(() => actualCost(schema, directives, parse(query), {}, { items }), 2000), 200_000);
  });
});
