import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry, Histogram } from 'prom-client';
import { quantileBound, readListSizeHistogram, suggestListSizes } from '../../schema/cost-suggest.ts';
import { LIST_SIZE_BUCKETS } from '../../gateway/metrics.ts';

/** Prometheus text as the gateway writes it: prom-client, our buckets, a profile label. */
async function exposition(profile: string, observations: Record<string, number[]>): Promise<string> {
  const registry = new Registry();
  registry.setDefaultLabels({ profile });
  const histogram = new Histogram({ name: 'storefront_gateway_list_size', help: 'h', labelNames: ['field'], buckets: LIST_SIZE_BUCKETS, registers: [registry] });
  for (const [field, sizes] of Object.entries(observations)) for (const size of sizes) histogram.observe({ field }, size);
  return registry.metrics();
}

describe('cost:suggest observations', () => {
  it('sums one field over several gateways and profiles, and keeps fields apart', async () => {
    const observed = readListSizeHistogram([await exposition('web', { 'A.b': [1, 2, 3], 'C.d': [40] }), await exposition('mobile', { 'A.b': [3] })]);
    assert.equal(observed.get('A.b')?.lists, 4);
    assert.equal(observed.get('C.d')?.lists, 1);
    assert.equal(observed.get('A.b')?.buckets.find((b) => b.le === 2)?.count, 2);
  });

  it('takes the p99 as the smallest bucket bound holding 99% of the lists', async () => {
    const sizes = [...Array.from({ length: 99 }, () => 4), 900];
    const observed = readListSizeHistogram([await exposition('web', { 'A.b': sizes })]).get('A.b')!;
    assert.equal(quantileBound(observed, 0.99), 4, 'one outlier in 100 does not move the p99');
    assert.equal(quantileBound(observed, 1), 1000, 'the maximum, rounded up to its bucket');
    const huge = readListSizeHistogram([await exposition('web', { 'A.b': [50_000] })]).get('A.b')!;
    assert.equal(quantileBound(huge, 0.99), undefined, 'past the largest bucket there is no bound to suggest');
  });

  it('ignores other metrics and malformed lines', () => {
    const text = 'storefront_gateway_list_size_bucket{le="5"} 3\nother_bucket{field="A.b",le="1"} 9\nstorefront_gateway_list_size_count{field="A.b"} nope\n';
    assert.equal(readListSizeHistogram([text]).size, 0);
  });

  it('suggests for the subgraph that resolves a field, shows the annotation today, skips @external', async () => {
    const sdl = 'type Product @key(fields: "id") { id: ID! images: [String!]! @listSize(assumedSize: 4) tags: [String!]! @external reviews(first: Int): [String] }';
    const observed = readListSizeHistogram([await exposition('web', { 'Product.images': [4, 4], 'Product.tags': [2], 'Product.reviews': [7] })]);
    const [result] = suggestListSizes([{ name: 'catalog', routingUrl: 'http://x', schemaPath: '/s.graphql', sdl }], observed);
    assert.deepEqual(result!.suggestions.map((s) => [s.coordinate, s.annotation, s.current]), [
      ['Product.images', '@listSize(assumedSize: 4)', '@listSize(assumedSize: 4)'],
      ['Product.reviews', '@listSize(slicingArguments: ["first"], assumedSize: 8, requireOneSlicingArgument: false)', null],
    ]);
  });
});
