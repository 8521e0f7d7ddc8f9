import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSchema, parse } from 'graphql';
import { readCostDirectives } from '../../gateway/admission/cost/directives.ts';
import { estimateCost } from '../../gateway/admission/cost/estimate.ts';
import { CostMemo } from '../../gateway/admission/cost/memo.ts';
import { actualCost, ActualCostWalks } from '../../gateway/admission/cost/actual.ts';
import { DocumentCache } from '../../gateway/admission/document-cache.ts';
import { countTokens } from '../../gateway/admission/limits/tokens.ts';

const SDL = `
directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
type Query {
  newest(limit: Int = 7): [Book] @listSize(slicingArguments: ["limit"])
  search(filter: Filter): [Book] @listSize(assumedSize: 4)
}
input Filter { tags: [String] @cost(weight: 2) }
type Book { id: ID! author: Author reviews(first: Int): [Review] }
type Author @cost(weight: 5) { name: String }
type Review { stars: Int }
`;
const schema = buildSchema(SDL);
const directives = readCostDirectives(SDL);

/** A memo over one document, and how many estimates it really computed. */
function memoised(query: string, operationName: string | null = null) {
  const document = parse(query);
  const memo = new CostMemo();
  let computed = 0;
  return {
    estimate(variables?: Record<string, unknown>) {
      return memo.estimate(operationName, variables, (onVariableRead) => {
        computed++;
        return estimateCost(schema, directives, document, { operationName, variables, onVariableRead });
      });
    },
    direct: (variables?: Record<string, unknown>) => estimateCost(schema, directives, document, { operationName, variables }),
    computed: () => computed,
  };
}

describe('cost estimates memoised per document', () => {
  it('computes an estimate once for repeated requests with the same variable values', () => {
    const m = memoised('query ($n: Int) { newest(limit: $n) { id author { name } } }');
    assert.equal(m.estimate({ n: 10 }), m.direct({ n: 10 }));
    assert.equal(m.estimate({ n: 10 }), m.direct({ n: 10 }));
    assert.equal(m.computed(), 1);
  });

  it('gives a different value of a slicing variable its own estimate', () => {
    const m = memoised('query ($n: Int) { newest(limit: $n) { id author { name } } }');
    const small = m.estimate({ n: 2 });
    const large = m.estimate({ n: 1000 });
    assert.deepEqual([small, large], [m.direct({ n: 2 }), m.direct({ n: 1000 })]);
    assert.ok(large > small);
    assert.equal(m.estimate({ n: 2 }), small);
    assert.equal(m.computed(), 2);
  });

  it('tells a variable left out (the default applies) from one sent as null', () => {
    const m = memoised('query ($n: Int = 50) { newest(limit: $n) { id author { name } } }');
    assert.equal(m.estimate({}), m.direct({}));
    assert.equal(m.estimate({ n: null }), m.direct({ n: null }));
    assert.notEqual(m.direct({}), m.direct({ n: null }));
    assert.equal(m.computed(), 2);
  });

  it('does not split the memo on a variable the estimate never reads', () => {
    const m = memoised('query ($n: Int, $text: String) { newest(limit: $n) { id } }');
    m.estimate({ n: 3, text: 'a' });
    m.estimate({ n: 3, text: 'b' });
    assert.equal(m.computed(), 1);
  });

  it('follows @skip: a variable read only when a branch is included still keys that branch', () => {
    const m = memoised('query ($skip: Boolean!, $n: Int, $r: Int) { newest(limit: $n) { id reviews(first: $r) @skip(if: $skip) { stars } } }');
    const cases = [
      { skip: true, n: 3, r: 1 },
      { skip: true, n: 3, r: 500 },
      { skip: false, n: 3, r: 1 },
      { skip: false, n: 3, r: 500 },
      { skip: true, n: 4, r: 500 },
    ];
    for (const variables of cases) assert.equal(m.estimate(variables), m.direct(variables), JSON.stringify(variables));
    for (const variables of cases) assert.equal(m.estimate(variables), m.direct(variables), `again: ${JSON.stringify(variables)}`);
    assert.equal(m.computed(), 4, 'with $skip true, $r is not read: r 1 and r 500 share one estimate');
  });

  it('keys weighted input values by their content', () => {
    const m = memoised('query ($f: Filter) { search(filter: $f) { id } }');
    for (const f of [{ tags: ['a'] }, { tags: ['a', 'b', 'c'] }, { tags: ['a'] }, null]) assert.equal(m.estimate({ f }), m.direct({ f }));
    assert.equal(m.computed(), 3);
  });

  it('keeps operations of one document apart', () => {
    const query = 'query A { newest(limit: 1) { id } } query B { newest(limit: 100) { id } }';
    const a = memoised(query, 'A');
    const memo = new CostMemo();
    const document = parse(query);
    const of = (operationName: string) => memo.estimate(operationName, {}, (onVariableRead) => estimateCost(schema, directives, document, { operationName, onVariableRead }));
    assert.deepEqual([of('A'), of('B'), of('A')], [a.direct(), memoised(query, 'B').direct(), a.direct()]);
  });

  it('stays correct for values too large to memoise (computed every time)', () => {
    const m = memoised('query ($f: Filter) { search(filter: $f) { id } }');
    const f = { tags: Array.from({ length: 500 }, (_, i) => `tag-${i}`) };
    assert.equal(m.estimate({ f }), m.direct({ f }));
    assert.equal(m.estimate({ f }), m.direct({ f }));
    assert.equal(m.computed(), 2);
  });
});

describe('token counts of cached documents', () => {
  it('counts as countTokens does, for a new and a cached text, below and above the limit', () => {
    const cache = new DocumentCache(schema);
    const query = '{ newest(limit: 3) { id author { name } } }';
    for (const round of ['new', 'cached']) {
      const lookup = cache.lookup(query);
      for (const stopAfter of [3, 13, 14, 100]) assert.equal(lookup.tokens(stopAfter), countTokens(query, stopAfter), `${round}, stopAfter ${stopAfter}`);
      assert.equal(lookup.analysis().kind, 'parsed');
    }
  });

  it('does not keep a text whose analysis was never asked for (one refused by a pre-parse limit)', () => {
    const lookups: boolean[] = [];
    const cache = new DocumentCache(schema, { onLookup: (hit) => lookups.push(hit) });
    const query = '{ newest { id } }';
    cache.lookup(query).tokens(1);
    cache.lookup(query).analysis();
    cache.lookup(query).analysis();
    assert.deepEqual(lookups, [false, true]);
  });
});

describe('actual cost walks kept per document', () => {
  const sdl = `${SDL}
    extend type Query { items: [Item] @listSize(assumedSize: 10) }
    union Item = Book | Author
  `;
  const unionSchema = buildSchema(sdl);
  const unionDirectives = readCostDirectives(sdl);
  const document = parse('query ($withReviews: Boolean!, $r: Int) { items { __typename ... on Book { id } ... on Book @include(if: $withReviews) { reviews(first: $r) { stars } } ... on Author { name } } }');
  const fresh = (variables: Record<string, unknown>, data: unknown) => actualCost(unionSchema, unionDirectives, document, { variables }, data);

  it('gives what a fresh walk gives, whatever the data and the variable values, types first met in a later response included', () => {
    const walks = new ActualCostWalks();
    const book = { __typename: 'Book', id: '1', reviews: [{ stars: 5 }, { stars: 4 }] };
    const author = { __typename: 'Author', name: 'A' };
    const cases: [Record<string, unknown>, unknown][] = [
      [{ withReviews: false, r: 2 }, { items: [author] }],
      [{ withReviews: false, r: 2 }, { items: [author, book, book] }],
      [{ withReviews: true, r: 2 }, { items: [author, author] }],
      [{ withReviews: true, r: 2 }, { items: [book, author] }],
      [{ withReviews: false, r: 2 }, { items: [] }],
      [{ withReviews: true }, { items: [book] }],
      [{ withReviews: false, r: 2 }, null],
    ];
    for (const [variables, data] of [...cases, ...cases]) {
      assert.equal(actualCost(unionSchema, unionDirectives, document, { variables }, data, walks), fresh(variables, data), JSON.stringify([variables, data]));
    }
    assert.notEqual(fresh({ withReviews: true, r: 2 }, { items: [book] }), fresh({ withReviews: false, r: 2 }, { items: [book] }), 'the @include variable matters');
  });
});
