import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSystem, tokenFor, type System } from '../support/system.ts';

let system: System;
before(async () => {
  system = await startSystem({ gateway: { maxBodyBytes: 4096 } });
});
after(() => system?.stop());

async function raw(body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const response = await fetch(system.gateway.url, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) as { errors?: { message: string; extensions?: Record<string, unknown> }[]; data?: unknown } };
}

function assertNoLeak(text: string) {
  assert.doesNotMatch(text, /stacktrace|\bat [\w.<>]+ \(|node_modules|127\.0\.0\.1|localhost/i, text.slice(0, 500));
}

describe('bad requests get a GraphQL error with a code, never a crash', () => {
  it('malformed JSON: 400 BAD_REQUEST', async () => {
    const r = await raw('{"query": ');
    assert.equal(r.status, 400);
    assert.equal(r.json.errors?.[0]?.extensions?.['code'], 'BAD_REQUEST');
    assert.equal('data' in r.json, false);
    assertNoLeak(r.text);
  });

  it('a body over the limit: 413 PAYLOAD_TOO_LARGE', async () => {
    const r = await raw(JSON.stringify({ query: `{ featuredProducts { id } } # ${'x'.repeat(8000)}` }));
    assert.equal(r.status, 413);
    assert.equal(r.json.errors?.[0]?.extensions?.['code'], 'PAYLOAD_TOO_LARGE');
  });

  it('a JSON body without a query: 400 with a GraphQL-shaped error', async () => {
    const r = await raw('{"variables": {}}');
    assert.equal(r.status, 400);
    assert.ok(r.json.errors?.[0]?.extensions?.['code']);
    assertNoLeak(r.text);
  });

  it('an unsupported content type: 4xx with a GraphQL-shaped error', async () => {
    const r = await raw('query { featuredProducts { id } }', { 'content-type': 'text/plain' });
    assert.ok(r.status >= 400 && r.status < 500, String(r.status));
    assert.ok(r.json.errors?.[0]?.extensions?.['code']);
  });

  it('a syntax error: 400 GRAPHQL_PARSE_FAILED', async () => {
    const r = await raw(JSON.stringify({ query: '{ featuredProducts { id ' }));
    assert.equal(r.status, 400);
    assert.equal(r.json.errors?.[0]?.extensions?.['code'], 'GRAPHQL_PARSE_FAILED');
    assertNoLeak(r.text);
  });

  it('an unknown field: 400 GRAPHQL_VALIDATION_FAILED', async () => {
    const r = await raw(JSON.stringify({ query: '{ featuredProducts { secretField } }' }));
    assert.equal(r.status, 400);
    assert.equal(r.json.errors?.[0]?.extensions?.['code'], 'GRAPHQL_VALIDATION_FAILED');
    assertNoLeak(r.text);
  });

  it('an unknown route: 404 with a GraphQL-shaped error', async () => {
    const response = await fetch(system.gateway.url.replace('/graphql', '/admin'));
    assert.equal(response.status, 404);
    assert.ok(((await response.json()) as { errors: unknown[] }).errors.length === 1);
  });

  it('keeps serving after all of the above', async () => {
    const r = await system.graphql({ query: '{ featuredProducts { id } }' }, { token: await tokenFor('user-0001') });
    assert.equal(r.status, 200);
    assert.equal((r.body.data?.['featuredProducts'] as unknown[]).length, 12);
  });
});

describe('upstream failures', () => {
  it('a missing product is null with no error; a missing REST service is a coded error naming the service, without its URL', async () => {
    const missing = await system.graphql({ query: '{ product(id: "prod-99999") { id name } }' });
    assert.deepEqual(missing.body.data, { product: null });
    assert.equal(missing.body.errors, undefined);

    await system.rest.user.close();
    const r = await system.graphql({ query: '{ me { name } featuredProducts { id name } }' }, { token: await tokenFor('user-0001') });
    assert.equal(r.status, 200);
    assert.equal(r.body.data?.['me'], null);
    assert.equal((r.body.data?.['featuredProducts'] as unknown[]).length, 12, 'the other panels still answer');
    const error = r.body.errors?.[0];
    assert.equal(error?.extensions?.['code'], 'UPSTREAM_UNAVAILABLE');
    assert.equal(error?.extensions?.['service'], 'user');
    assertNoLeak(JSON.stringify(r.body));
  });
});

describe('subgraph failures', () => {
  it('a stopped subgraph costs only its fields: SUBGRAPH_UNAVAILABLE naming it, no URL, other data intact', async () => {
    // The user subgraph: critical data, so its failure is an error (optional data would get its fallback instead).
    await system.subgraphs.user.stop();
    const r = await system.graphql({ query: '{ me { name } featuredProducts { id name } }' }, { token: await tokenFor('user-0001') });
    assert.equal(r.status, 200);
    const products = r.body.data?.['featuredProducts'] as { id: string; name: string }[];
    assert.equal(products.length, 12);
    assert.ok(products.every((p) => p.name.length > 0));
    assert.equal(r.body.data?.['me'], null);
    assert.equal(r.body.errors?.[0]?.extensions?.['code'], 'SUBGRAPH_UNAVAILABLE');
    assert.equal(r.body.errors?.[0]?.extensions?.['serviceName'], 'user');
    assertNoLeak(JSON.stringify(r.body));
  });
});
