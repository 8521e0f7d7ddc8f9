import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exitCodeOf } from '../../schema/check/check.ts';
import { readFileSync } from 'node:fs';
import { checkEdits, editedSubgraphs, REPO, summarise, supergraphWith, type SdlEdit } from '../support/schema-check.ts';

/**
 * `npm run schema:check` on fixture scenarios: each a small change to one of
 * our subgraphs, checked against the committed supergraph and every persisted
 * operation of the web and mobile clients and of the shipped mobile releases
 * (persisted-queries/releases/mobile/4.11.0 and 4.12.0).
 */

const editedSdl = (subgraph: string, edits: readonly SdlEdit[]) => editedSubgraphs(edits).find((s) => s.name === subgraph)!.sdl;
/** 1-based line of the first line starting with `prefix`. */
const lineOf = (text: string, prefix: string) => text.split('\n').findIndex((l) => l.startsWith(prefix)) + 1;

const REMOVE_BRAND: SdlEdit = { subgraph: 'catalog', search: '  brand: String!\n', replace: '' };
const REMOVE_STARTS_AT: SdlEdit = { subgraph: 'promotions', search: '  startsAt: DateTime!\n', replace: '' };

describe('schema:check scenarios', () => {
  it('the repository as it is: pass, exit 0, nothing to report', async () => {
    const report = await checkEdits([]);
    assert.equal(report.verdict, 'pass');
    assert.equal(exitCodeOf(report), 0);
    assert.deepEqual(report.findings, []);
    assert.deepEqual(report.checked.clients, ['web', 'mobile']);
    assert.deepEqual(report.checked.releases, ['mobile@4.11.0', 'mobile@4.12.0']);
    assert.equal(report.checked.operations, 31);
  });

  it('field removed: BREAKING, and every operation selecting it fails, naming client, release, operation and field path', async () => {
    const report = await checkEdits([REMOVE_BRAND]);
    assert.equal(exitCodeOf(report), 1);
    const lines = summarise(report.findings);
    assert.equal(lines[0], 'BREAKING schema FIELD_REMOVED Product.brand');
    assert.deepEqual(report.findings[0]!.location, { file: 'subgraphs/catalog/schema.graphql', line: lineOf(editedSdl('catalog', [REMOVE_BRAND]), 'type Product ') }, 'points at the type the field was removed from');
    assert.ok(lines.includes('BREAKING operation INVALID Product.brand mobile@4.11.0 FrontPage featuredProducts.brand'), lines.join('\n'));
    assert.ok(lines.includes('BREAKING operation INVALID Product.brand web ProductPage product.brand'));
    assert.ok(lines.includes('BREAKING operation INVALID Product.brand web Search searchProducts.nodes.brand'));
    const web = report.findings.find((f) => f.kind === 'operation' && f.client === 'web' && f.operation === 'ProductPage');
    const file = 'persisted-queries/web/ProductPage.graphql';
    assert.deepEqual(web?.location, { file, line: lineOf(readFileSync(`${REPO}${file}`, 'utf8'), '    brand') }, 'points at the field in the operation file');
  });

  it('field removed that no operation uses but is still in the API: BREAKING (unknown clients may use it)', async () => {
    const report = await checkEdits([REMOVE_STARTS_AT]);
    assert.equal(exitCodeOf(report), 1);
    assert.deepEqual(summarise(report.findings), ['BREAKING schema FIELD_REMOVED Promotion.startsAt']);
  });

  it('field deprecated in the base, removed now, still selected by a persisted operation: BREAKING, naming the users', async () => {
    const base = supergraphWith([{ subgraph: 'catalog', search: '  brand: String!\n', replace: '  brand: String! @deprecated(reason: "use brandInfo")\n' }]);
    const report = await checkEdits([REMOVE_BRAND], { base });
    assert.equal(exitCodeOf(report), 1);
    const removal = report.findings[0]!;
    assert.equal(removal.severity, 'BREAKING');
    assert.equal(removal.kind === 'schema' && removal.reason.startsWith('deprecated, but still selected by web CategoryListing'), true, JSON.stringify(removal));
  });

  it('field deprecated in the base, removed now, selected by no persisted operation: DANGEROUS, pass', async () => {
    const base = supergraphWith([{ subgraph: 'promotions', search: '  startsAt: DateTime!\n', replace: '  startsAt: DateTime! @deprecated(reason: "unused")\n' }]);
    const report = await checkEdits([REMOVE_STARTS_AT], { base });
    assert.equal(exitCodeOf(report), 0);
    assert.deepEqual(summarise(report.findings), ['DANGEROUS schema FIELD_REMOVED Promotion.startsAt']);
  });

  it('nullable → non-null on an argument: BREAKING, and operations passing a nullable variable no longer validate', async () => {
    const report = await checkEdits([{ subgraph: 'catalog', search: 'searchProducts(categoryId: ID,', replace: 'searchProducts(categoryId: ID!,' }]);
    assert.equal(exitCodeOf(report), 1);
    assert.deepEqual(summarise(report.findings), [
      'BREAKING schema FIELD_ARGUMENT_TYPE_CHANGED Query.searchProducts.categoryId',
      'BREAKING operation INVALID Query.searchProducts.categoryId web Search searchProducts',
      'BREAKING operation INVALID Query.searchProducts.categoryId mobile Search searchProducts',
      'BREAKING operation INVALID Query.searchProducts.categoryId mobile@4.12.0 Search searchProducts',
    ]);
  });

  it('required argument added: BREAKING, and every operation that does not pass it no longer validates', async () => {
    const report = await checkEdits([{ subgraph: 'catalog', search: '  product(id: ID!): Product', replace: '  product(id: ID!, locale: String!): Product' }]);
    assert.equal(exitCodeOf(report), 1);
    const lines = summarise(report.findings);
    assert.equal(lines[0], 'BREAKING schema FIELD_ARGUMENT_ADDED Query.product.locale');
    assert.ok(lines.includes('BREAKING operation INVALID Query.product mobile@4.11.0 ProductPage product'), lines.join('\n'));
    const invalid = report.findings.find((f) => f.kind === 'operation' && f.release === '4.11.0');
    assert.match(invalid!.message, /argument "locale" of type "String!" is required/);
  });

  it('non-null → nullable on a field operations select: BREAKING for each client that selects it, though every operation still validates', async () => {
    const report = await checkEdits([{ subgraph: 'pricing', search: '  effectivePrice: Money!\n', replace: '  effectivePrice: Money\n' }]);
    assert.equal(exitCodeOf(report), 1);
    const operations = report.findings.filter((f) => f.kind === 'operation');
    assert.ok(operations.length >= 10);
    assert.ok(operations.every((f) => f.type === 'NULLABILITY_CHANGED' && f.path === 'Price.effectivePrice'));
    assert.ok(summarise(operations).includes('BREAKING operation NULLABILITY_CHANGED Price.effectivePrice mobile FrontPage featuredProducts.price.effectivePrice'));
  });

  it('nullable → non-null on a field: safe for readers, no operation finding', async () => {
    const report = await checkEdits([{ subgraph: 'pricing', search: '  salePrice: Money\n', replace: '  salePrice: Money!\n' }]);
    assert.equal(exitCodeOf(report), 0);
    assert.deepEqual(summarise(report.findings), ['SAFE schema FIELD_TYPE_CHANGED Price.salePrice']);
  });

  it('type changed Int → String on a selected field: BREAKING, although the operations still validate', async () => {
    const report = await checkEdits([{ subgraph: 'promotions', search: 'discountPercent: Int!', replace: 'discountPercent: String!' }]);
    assert.equal(exitCodeOf(report), 1);
    const lines = summarise(report.findings);
    assert.equal(lines[0], 'BREAKING schema FIELD_TYPE_CHANGED Promotion.discountPercent');
    assert.ok(lines.includes('BREAKING operation TYPE_CHANGED Promotion.discountPercent mobile FrontPage featuredPromotions.discountPercent'));
    assert.ok(lines.includes('BREAKING operation TYPE_CHANGED Promotion.discountPercent mobile@4.11.0 ProductPage product.promotions.discountPercent'));
    assert.ok(report.findings.every((f) => f.kind !== 'operation' || f.type === 'TYPE_CHANGED'), 'no operation stops validating');
  });

  it('enum value added: DANGEROUS for the schema and for each operation reading the enum; pass', async () => {
    const report = await checkEdits([{ subgraph: 'catalog', search: '  LARGE\n', replace: '  LARGE\n  HUGE\n' }]);
    assert.equal(exitCodeOf(report), 0);
    const lines = summarise(report.findings);
    assert.equal(lines[0], 'DANGEROUS schema ENUM_VALUE_ADDED ImageSize.HUGE');
    assert.ok(lines.includes('DANGEROUS operation ENUM_VALUE_ADDED Image.size mobile@4.11.0 ProductPage product.images.size'));
    assert.ok(report.findings.every((f) => f.severity === 'DANGEROUS'));
  });

  it('--fail-on-dangerous turns the same enum change into a failure', async () => {
    const report = await checkEdits([{ subgraph: 'catalog', search: '  LARGE\n', replace: '  LARGE\n  HUGE\n' }], { failOnDangerous: true });
    assert.equal(exitCodeOf(report), 1);
  });

  it('optional argument added: SAFE, pass', async () => {
    const report = await checkEdits([{ subgraph: 'catalog', search: '  featuredProducts: [Product!]!', replace: '  featuredProducts(limit: Int): [Product!]!' }]);
    assert.equal(exitCodeOf(report), 0);
    assert.deepEqual(summarise(report.findings), ['SAFE schema FIELD_ARGUMENT_ADDED Query.featuredProducts.limit']);
  });

  it('new type and field: SAFE, pass, located in the subgraph that defines them', async () => {
    const edits = [
      { subgraph: 'catalog', search: '  brand: String!\n', replace: '  brand: String!\n  brandInfo: Brand\n' },
      { subgraph: 'catalog', search: 'type Image ', replace: 'type Brand {\n  name: String!\n}\n\ntype Image ' },
    ];
    const report = await checkEdits(edits);
    assert.equal(exitCodeOf(report), 0);
    assert.deepEqual(summarise(report.findings), ['SAFE schema TYPE_ADDED Brand', 'SAFE schema FIELD_ADDED Brand.name', 'SAFE schema FIELD_ADDED Product.brandInfo']);
    assert.deepEqual(report.findings[2]!.location, { file: 'subgraphs/catalog/schema.graphql', line: lineOf(editedSdl('catalog', edits), '  brandInfo: Brand') });
  });

  it('composition conflict between two subgraphs: composition error with its code and both files, exit 1', async () => {
    const report = await checkEdits([{ subgraph: 'pricing', search: 'loyaltyTier: LoyaltyTier! @external', replace: 'loyaltyTier: String! @external' }]);
    assert.equal(exitCodeOf(report), 1);
    assert.equal(report.composition.ok, false);
    assert.equal(report.composition.errors[0]!.code, 'EXTERNAL_TYPE_MISMATCH');
    assert.deepEqual(report.composition.errors[0]!.locations.map((l) => l.file).sort(), ['subgraphs/pricing/schema.graphql', 'subgraphs/user/schema.graphql']);
  });

  it('a @listSize change that pushes persisted operations over their client maximum: cost failure naming each, exit 1', async () => {
    const report = await checkEdits([{ subgraph: 'cart', search: 'items: [CartItem!]! @listSize(assumedSize: 100)', replace: 'items: [CartItem!]! @listSize(assumedSize: 500)' }]);
    assert.equal(exitCodeOf(report), 1);
    const over = report.findings.filter((f) => f.kind === 'cost' && f.type === 'OVER_MAX_COST');
    // (CheckoutSummary stays under: its Cart.totals @requires is charged once per cart, not per assumed line.)
    assert.ok(summarise(over).includes('BREAKING cost OVER_MAX_COST - mobile@4.12.0 CartSummary'));
    for (const f of over) {
      assert.ok(f.kind === 'cost' && f.after > 5000 && f.maxCost === 5000 && f.before !== null && f.before <= 5000, JSON.stringify(f));
    }
    assert.deepEqual(report.findings.filter((f) => f.kind === 'schema'), [], 'directives are not part of the API schema');
  });

  it('a @listSize change that grows costs by more than 25 % but stays under the maximum: DANGEROUS, pass', async () => {
    const report = await checkEdits([{ subgraph: 'catalog', search: '@listSize(assumedSize: 12)', replace: '@listSize(assumedSize: 16)' }]);
    assert.equal(exitCodeOf(report), 0);
    const grew = report.findings.find((f) => f.kind === 'cost' && f.client === 'mobile' && f.release === null && f.operation === 'FrontPage');
    assert.ok(grew?.kind === 'cost' && grew.type === 'COST_GREW' && grew.before === 128 && grew.after > 160, JSON.stringify(grew));
  });

  it('an approved breaking change: pass, with the approval and its reason in the report', async () => {
    const approval = { path: 'Promotion.startsAt', type: 'FIELD_REMOVED', reason: 'never shipped in any client (PR #123)', source: 'schema/approved-changes.yaml' };
    const report = await checkEdits([REMOVE_STARTS_AT], { approvals: [approval] });
    assert.equal(exitCodeOf(report), 0);
    assert.deepEqual(report.findings, []);
    assert.deepEqual(report.approved.map((a) => [a.finding.path, a.approval.reason]), [['Promotion.startsAt', 'never shipped in any client (PR #123)']]);
    assert.equal(report.summary.approved, 1);
  });

  it('an approval covers the operations the approved change breaks, and only that change', async () => {
    const approval = { path: 'Product.brand', type: null, reason: 'mobile 4.11 is end-of-life', source: '--approve' };
    const report = await checkEdits([REMOVE_BRAND, REMOVE_STARTS_AT], { approvals: [approval] });
    assert.equal(exitCodeOf(report), 1, 'the unapproved removal still fails');
    assert.deepEqual(summarise(report.findings), ['BREAKING schema FIELD_REMOVED Promotion.startsAt']);
    assert.equal(report.approved.length, 8);
  });

  it('an approval that matches nothing is reported as unused', async () => {
    const approval = { path: 'Product.sku', type: 'FIELD_REMOVED', reason: 'old', source: 'schema/approved-changes.yaml' };
    const report = await checkEdits([], { approvals: [approval] });
    assert.equal(exitCodeOf(report), 0);
    assert.deepEqual(report.unusedApprovals, [approval]);
  });
});
