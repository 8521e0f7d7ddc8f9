import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSchema } from 'graphql';
import { DocumentCache } from '../../gateway/admission/document-cache.ts';

const schema = buildSchema('type Query { product(id: ID!): Product } type Product { id: ID! name: String related: [Product!]! }');

describe('document analysis cache', () => {
  it('analyses a repeated document once: the same parse, metrics and validation are returned', () => {
    const cache = new DocumentCache(schema);
    const query = '{ product(id: "1") { id related { name } } }';
    const first = cache.analyze(query);
    const second = cache.analyze(query);
    assert.equal(first, second);
    assert.equal(first.kind, 'parsed');
    if (first.kind !== 'parsed' || second.kind !== 'parsed') return;
    assert.equal(first.metrics(undefined), second.metrics(undefined), 'metrics are memoised per operation');
    assert.equal(first.metrics(undefined).depth, 2);
    assert.equal(first.isValid(), true);
  });

  it('remembers documents that do not parse or do not validate', () => {
    const cache = new DocumentCache(schema);
    assert.equal(cache.analyze('{ product(id: ').kind, 'unparsable');
    const invalid = cache.analyze('{ product(id: "1") { price } }');
    assert.ok(invalid.kind === 'parsed' && !invalid.isValid());
  });

  it('reports every lookup as a hit or a miss', () => {
    const lookups: boolean[] = [];
    const cache = new DocumentCache(schema, { onLookup: (hit) => lookups.push(hit) });
    cache.analyze('{ product(id: "1") { id } }');
    cache.analyze('{ product(id: "1") { id } }');
    cache.analyze('{ product(id: ');
    cache.analyze('{ product(id: ');
    cache.analyze('{ product(id: "2") { id } }');
    assert.deepEqual(lookups, [false, true, false, true, false], 'an unparsable document is cached and counted too');
  });

  it('is bounded: the least recently used analyses are dropped', () => {
    const cache = new DocumentCache(schema, { maxEntries: 2 });
    const a = cache.analyze('{ product(id: "a") { id } }');
    cache.analyze('{ product(id: "b") { id } }');
    cache.analyze('{ product(id: "c") { id } }');
    assert.notEqual(cache.analyze('{ product(id: "a") { id } }'), a);
  });
});
