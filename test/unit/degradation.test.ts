import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { degradationConfigSchema } from '../../gateway/degradation/config.ts';
import { createDegradation, type FallbackSink } from '../../gateway/degradation/degradation.ts';
import type { FallbackRecord } from '../../common/upstream/wire.ts';

const degradation = createDegradation(degradationConfigSchema.parse({ groupTimeoutsMs: { pricing: 500 }, optionalTimeoutsMs: { catalog: 250 } }));
const ENTITIES = 'query Q__promotions__3($representations:[_Any!]!){_entities(representations:$representations){...on Product{promos: promotions{id label}}}}';
const MIXED = 'query Q__catalog__2($representations:[_Any!]!){_entities(representations:$representations){...on Product{name sku}}}';
const REPS = [{ __typename: 'Product', id: 'p1' }, { __typename: 'Product', id: 'p2' }];

function sink(): FallbackSink & { records: FallbackRecord[] } {
  const records: FallbackRecord[] = [];
  return { records, record: (r) => void records.push(r) };
}

describe('degradation: what a subgraph fetch may fall back to', () => {
  it('a fetch of optional fields only: the optional budget, and a stand-in answer keyed by alias for every entity', () => {
    const plan = degradation.plan('promotions', { query: ENTITIES, variables: { representations: REPS } })!;
    assert.equal(plan.optionalOnly, true);
    assert.equal(plan.timeoutMs, 300);
    const s = sink();
    const answer = plan.substitute({ query: ENTITIES, variables: { representations: REPS } }, s);
    assert.deepEqual(answer, { data: { _entities: [{ __typename: 'Product', promos: [] }, { __typename: 'Product', promos: [] }] } });
    assert.deepEqual(s.records, [{ field: 'Product.promotions', service: 'promotions' }, { field: 'Product.promotions', service: 'promotions' }]);
  });

  it('a static object fallback is projected onto the selection; budgets come from the field group, else the subgraph, else the default', () => {
    const query = '{ featuredProducts { __typename id } }';
    assert.equal(degradation.plan('catalog', { query })!.timeoutMs, 250);
    const thumbnail = 'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{thumbnail{__typename w: width url}}}}';
    const answer = degradation.plan('catalog', { query: thumbnail })!.substitute({ query: thumbnail, variables: { representations: REPS.slice(0, 1) } }, sink());
    assert.deepEqual(answer.data, { _entities: [{ __typename: 'Product', thumbnail: { __typename: 'Image', w: 96, url: '/static/placeholder-thumbnail.svg' } }] });
    const price = 'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{price{onSale}}}}';
    assert.equal(degradation.plan('pricing', { query: price })!.timeoutMs, 500);
  });

  it('a fetch with one critical field is not stood in for; a mutation never is; a fetch of critical fields only has no plan', () => {
    const mixed = 'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{name sku}}}';
    const plan = degradation.plan('catalog', { query: mixed })!;
    assert.equal(plan.optionalOnly, false);
    assert.equal(plan.timeoutMs, undefined, 'the subgraph\'s own (critical) deadline');
    assert.equal(degradation.plan('cart', { query: 'mutation { addToCart(productId: "p1") { id } }' }), undefined);
    assert.equal(degradation.plan('user', { query: '{ me { id name } }' }), undefined);
  });

  it('patches an answer whose optional field failed upstream: fallback in place, its error gone, other errors kept', () => {
    const query = 'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{price{onSale} promotions{id}}}}';
    const plan = degradation.plan('pricing', { query })!;
    const s = sink();
    const patched = plan.patch(
      {
        data: { _entities: [{ __typename: 'Product', price: null, promotions: [] }, null] },
        errors: [
          { message: 'pricing failed', path: ['_entities', 0, 'price'], extensions: { code: 'UPSTREAM_TIMEOUT', service: 'pricing' } },
          { message: 'boom', path: ['_entities', 1, 'promotions'], extensions: { code: 'UPSTREAM_SERVICE_ERROR', service: 'promotions' } },
          { message: 'no', path: ['_entities', 0, 'price'], extensions: { code: 'BAD_USER_INPUT' } },
        ],
      },
      { query, variables: { representations: REPS } },
      s,
    );
    assert.deepEqual(patched.data, { _entities: [{ __typename: 'Product', price: null, promotions: [] }, { __typename: 'Product', price: null, promotions: [] }] });
    assert.deepEqual(patched.errors?.map((e) => e.extensions?.['code']), ['BAD_USER_INPUT']);
    assert.deepEqual(s.records.map((r) => `${r.field}@${r.service}`), ['Product.price@pricing', 'Product.price@promotions', 'Product.promotions@promotions']);
  });

  it('a fetch text that does not parse is not degraded (and does not throw)', () => {
    assert.equal(degradation.plan('catalog', { query: '{ featuredProducts { ' }), undefined);
  });

  it('leaves a nulled entity alone when its fetch held a critical field', () => {
    const plan = degradation.plan('catalog', { query: MIXED })!;
    const response = { data: { _entities: [null] }, errors: [{ message: 'x', path: ['_entities', 0, 'name'], extensions: { code: 'UPSTREAM_UNAVAILABLE' } }] };
    assert.equal(plan.patch(response, { query: MIXED, variables: { representations: REPS.slice(0, 1) } }, sink()), response);
  });
});
