import { all, errorAt, noErrors, valueAt } from './expect.ts';
import { startShop } from './shop.ts';
import type { CorpusGraph } from './types.ts';

/** Entity shapes: keys, @requires, @provides, chains of entity fetches. */
export const shopGraph: CorpusGraph = {
  title: 'shop graph: entities, keys, @requires and @provides',
  start: startShop,
  cases: [
    {
      name: 'joins inventory through the composite, nested key of a product that also has a upc key, requiring a nested object',
      shapes: ['key-composite', 'key-multiple', 'key-nested-fields', 'requires', 'requires-nested-object', 'external'],
      query: '{ topProducts(first: 3) { upc name inStock shippingEstimate } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(noErrors, valueAt(['topProducts', 1], { upc: 'p2', name: 'Product 2', inStock: false, shippingEstimate: 60 })),
    },
    {
      name: 'resolves a field that @requires a list',
      shapes: ['requires', 'requires-list'],
      query: '{ topProducts { upc tagCount } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(noErrors, valueAt(['topProducts', 2, 'tagCount'], 0), valueAt(['topProducts', 1, 'tagCount'], 2)),
    },
    {
      name: 'resolves a @requires whose required field is itself @requires from a third subgraph',
      shapes: ['requires', 'requires-chain'],
      query: '{ product(upc: "p2") { name discountedShipping } }',
      plan: { fetches: 3, has: ['Sequence', 'Flatten'] },
      answer: all(noErrors, valueAt(['product'], { name: 'Product 2', discountedShipping: 39 })),
    },
    {
      name: 'takes a @provides field from the providing subgraph without another fetch',
      shapes: ['provides', 'external', 'shareable'],
      query: '{ latestReviews { body author { username } } }',
      plan: { fetches: 1 },
      answer: all(noErrors, valueAt(['latestReviews', 2, 'author', 'username'], 'carol')),
    },
    {
      name: 'fetches the fields @provides does not cover from the owning subgraph',
      shapes: ['provides', 'shareable'],
      query: '{ latestReviews(last: 2) { stars author { username name } } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(noErrors, valueAt(['latestReviews', 1, 'author'], { username: 'carol', name: 'Carol Shaw' })),
    },
    {
      name: 'resolves a reference returned by a subgraph whose key is resolvable: false',
      shapes: ['key-resolvable-false'],
      query: '{ topProducts(first: 2) { name lastCheckedBy { id name } } }',
      plan: { fetches: 3, has: ['Sequence', 'Flatten'] },
      answer: all(noErrors, valueAt(['topProducts', 0, 'lastCheckedBy'], { id: 'u2', name: 'Brendan Eich' })),
    },
    {
      name: 'follows an entity chain five subgraphs deep: users, reviews, products, pricing, inventory',
      shapes: ['entity-chain-3', 'requires-chain'],
      query: '{ me { name reviews { stars product { name discountedShipping lastCheckedBy { id } } } } }',
      plan: { fetches: 6, has: ['Sequence', 'Parallel', 'Flatten'] },
      answer: all(noErrors, valueAt(['me', 'reviews', 1, 'product'], { name: 'Product 4', discountedShipping: 77, lastCheckedBy: { id: 'u2' } })),
    },
    {
      name: 'merges entity fields into lists inside lists of entities',
      shapes: ['entities-in-nested-lists'],
      query: '{ topProducts(first: 2) { upc related { name reviews { stars author { name } } inStock } } }',
      plan: { fetches: 4, has: ['Parallel', 'Flatten'] },
      answer: all(noErrors, valueAt(['topProducts', 1, 'related', 1], { name: 'Product 4', reviews: [{ stars: 4, author: { name: 'Ada Lovelace' } }], inStock: false })),
    },

    {
      name: 'nulls the entity whose @requires chain broke, reporting the error at the required field the client never asked for',
      shapes: ['requires-chain', 'fault-entity-fetch-error', 'fault-non-null-propagation'],
      query: '{ broken: product(upc: "p5") { name discountedShipping } fine: product(upc: "p2") { name discountedShipping } }',
      plan: { fetches: 5, has: ['Parallel', 'Flatten'] },
      answer: all(errorAt({ path: ['broken', 'salePrice'], message: 'no sale price for p5' }), valueAt(['broken'], null), valueAt(['fine'], { name: 'Product 2', discountedShipping: 39 })),
    },
    {
      name: 'sends an entity reached on several paths once per fetch and answers it on every path',
      shapes: ['entity-chain-3'],
      query: '{ a: product(upc: "p1") { inStock reviews { product { upc inStock } } } b: latestReviews(last: 6) { product { upc inStock name } } }',
      plan: { fetches: 8, has: ['Parallel', 'Flatten'] },
      answer: all(noErrors, valueAt(['a', 'reviews', 0, 'product'], { upc: 'p1', inStock: true }), valueAt(['b', 5, 'product'], { upc: 'p1', inStock: true, name: 'Product 1' })),
    },
  ],
};
