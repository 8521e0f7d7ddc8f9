import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { operation } from '../support/operations.ts';
import { useSharedGraph } from '../support/graph.ts';
import { postGraphQL } from '../support/system.ts';

const graph = useSharedGraph();
const gateway = (overrides: Record<string, unknown>) => graph.gateway(overrides);

/** Each limit, a document that measures just over a small maximum, and what it measures. */
const CASES = [
  { limit: 'maxDepth', code: 'MAX_DEPTH_LIMIT', max: 2, query: '{ featuredProducts { category { parent { id } } } }', measured: 3 },
  { limit: 'maxAliases', code: 'MAX_ALIASES_LIMIT', max: 1, query: '{ a: featuredProducts { id } b: featuredProducts { id } }', measured: 2 },
  { limit: 'maxRootFields', code: 'MAX_ROOT_FIELDS_LIMIT', max: 1, query: '{ featuredProducts { id } categories { id } }', measured: 2 },
  { limit: 'maxHeight', code: 'MAX_HEIGHT_LIMIT', max: 3, query: '{ featuredProducts { id name sku } }', measured: 4 },
  { limit: 'maxDirectives', code: 'MAX_DIRECTIVES_LIMIT', max: 1, query: '{ featuredProducts { id @include(if: true) name @skip(if: false) } }', measured: 2 },
  { limit: 'maxTokens', code: 'MAX_TOKENS_LIMIT', max: 5, query: '{ featuredProducts { id } }', measured: 6 },
  { limit: 'maxDocumentBytes', code: 'MAX_DOCUMENT_SIZE_LIMIT', max: 20, query: '{ featuredProducts { id } }', measured: 27 },
] as const;

describe('operation limits', () => {
  for (const c of CASES) {
    it(`${c.limit}: refuses an operation over it with 400 ${c.code}, the numbers, and no data`, async () => {
      const g = await gateway({ limits: { [c.limit]: { max: c.max } } });
      const response = await postGraphQL(g.url, { query: c.query });
      assert.equal(response.status, 400);
      assert.equal('data' in response.body, false);
      const extensions = response.body.errors?.[0]?.extensions;
      assert.equal(extensions?.['code'], c.code);
      assert.deepEqual(extensions?.['limit'], { name: c.limit, measured: c.measured, max: c.max });
      assert.match(response.body.errors![0]!.message, new RegExp(String(c.max)));
    });
  }

  it('in measure mode, lets the operation run, logs and counts it', async () => {
    const g = await gateway({ limits: { maxDepth: { max: 2, mode: 'measure' }, maxAliases: { max: 1, mode: 'measure' } } });
    const response = await postGraphQL(g.url, { query: '{ a: featuredProducts { category { parent { id } } } b: featuredProducts { id } }' });
    assert.equal(response.status, 200);
    assert.equal((response.body.data?.['a'] as unknown[]).length, 12);
    const metrics = await (await fetch(g.url.replace('/graphql', '/metrics'))).text();
    assert.match(metrics, /storefront_gateway_limit_violations_total\{limit="maxDepth",mode="measure",profile="web"\} 1/);
    assert.match(metrics, /storefront_gateway_limit_violations_total\{limit="maxAliases",mode="measure",profile="web"\} 1/);
  });

  it('null turns a limit off', async () => {
    const g = await gateway({ limits: { maxDepth: { max: null } } });
    const deep = `{ featuredProducts { ${'relatedProducts { '.repeat(20)}id${' }'.repeat(20)} } }`;
    const response = await postGraphQL(g.url, { query: deep });
    assert.notEqual(response.body.errors?.[0]?.extensions?.['code'], 'MAX_DEPTH_LIMIT');
  });

  it('every shipped operation passes its profile defaults', async () => {
    const web = await gateway({});
    for (const name of ['FrontPage', 'CartSummary', 'CheckoutSummary', 'ProductPage', 'CategoryListing', 'Search']) {
      const response = await postGraphQL(web.url, { query: operation('web', name), variables: { id: 'prod-00001', categoryId: 'cat-01', query: 'lamp', first: 20 } });
      const code = response.body.errors?.[0]?.extensions?.['code'];
      assert.ok(typeof code !== 'string' || !code.startsWith('MAX_'), `${name}: ${code}`);
    }
  });
});
