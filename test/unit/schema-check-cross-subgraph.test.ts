import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crossSubgraphNonNullFields } from '../../schema/check/cross-subgraph.ts';
import { STOREFRONT_OPTIONAL_FIELDS } from '../../schema/criticality.ts';
import { checkEdits, COMMITTED_SUPERGRAPH, summarise, type SdlEdit } from '../support/schema-check.ts';

const ADD_BADGE = (type: string): SdlEdit => ({
  subgraph: 'promotions',
  search: '  promotions: [Promotion!]! @listSize(assumedSize: 3)\n',
  replace: `  promotions: [Promotion!]! @listSize(assumedSize: 3)\n  "A short sale badge."\n  promotionBadge: ${type}\n`,
});

describe('schema:check: a non-null field one subgraph resolves on another subgraph\'s type', () => {
  it('lists our supergraph\'s hazards: each critical by decision, none of the fields with a fallback', () => {
    const findings = crossSubgraphNonNullFields(COMMITTED_SUPERGRAPH, STOREFRONT_OPTIONAL_FIELDS);
    assert.deepEqual(findings.map((f) => f.path).sort(), ['Cart.totals', 'Query.categories', 'Query.products', 'Query.searchProducts', 'User.cart']);
    const cart = findings.find((f) => f.path === 'User.cart')!;
    assert.equal(cart.severity, 'DANGEROUS');
    assert.match(cart.reason, /when cart fails, the null propagates to the User that user resolved/);
    assert.match(findings.find((f) => f.path === 'Query.products')!.reason, /data is null/);
  });

  it('without the gateway\'s fallbacks, Product.promotions is the hazard that nulled the signed-in user', () => {
    const paths = crossSubgraphNonNullFields(COMMITTED_SUPERGRAPH, {}).map((f) => f.path);
    assert.ok(paths.includes('Product.promotions') && paths.includes('Query.featuredProducts') && paths.includes('Query.featuredPromotions'));
    assert.ok(!paths.includes('Product.name'), 'catalog owns Product: its own fields are not cross-subgraph');
    assert.ok(!paths.includes('Product.price'), 'nullable: a failure nulls the field only');
  });

  it('a change adding one: DANGEROUS with the reason, located in the subgraph; pass unless --fail-on-dangerous', async () => {
    const report = await checkEdits([ADD_BADGE('String!')]);
    const finding = report.findings.find((f) => f.type === 'NON_NULL_FIELD_FROM_OTHER_SUBGRAPH');
    assert.ok(finding && finding.kind === 'schema');
    assert.equal(finding.path, 'Product.promotionBadge');
    assert.equal(finding.severity, 'DANGEROUS');
    assert.match(finding.reason, /when promotions fails, the null propagates to the Product that catalog resolved/);
    assert.equal(finding.location?.file, 'subgraphs/promotions/schema.graphql');
    assert.equal(report.verdict, 'pass');
    assert.equal((await checkEdits([ADD_BADGE('String!')], { failOnDangerous: true })).verdict, 'fail');
  });

  it('the same field nullable, or given a fallback, is not flagged; hazards already in the base are not reported again', async () => {
    assert.deepEqual(summarise((await checkEdits([ADD_BADGE('String')])).findings), ['SAFE schema FIELD_ADDED Product.promotionBadge']);
    const withFallback = crossSubgraphNonNullFields(COMMITTED_SUPERGRAPH, { ...STOREFRONT_OPTIONAL_FIELDS, 'User.cart': { fallback: {} } }).map((f) => f.path);
    assert.ok(!withFallback.includes('User.cart'));
    assert.deepEqual((await checkEdits([])).findings, []);
  });
});
