import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Supergraph } from '@apollo/federation-internals';
import { parse } from 'graphql';
import { actualCost, readCostDirectives } from '../../gateway/admission/cost/index.ts';
import { parseGatewayConfig } from '../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import { startNestedGraph, type NestedGraph } from '../support/nested-graph.ts';
import { logEvents } from '../support/log-events.ts';
import { postGraphQL } from '../support/system.ts';

/**
 * The gateway with protections on as shipped (no cost config at all), in front
 * of another team's graph that has no @cost or @listSize: ordinary nested
 * operations must pass, a fan-out that would return 100,000+ objects must not.
 */
let graph: NestedGraph;
let gateway: RunningGateway;
const logs = logEvents('warn');

before(async () => {
  graph = await startNestedGraph();
  const config = parseGatewayConfig({ port: 0, logLevel: 'warn', watchSupergraph: false, supergraphPath: graph.supergraphPath, subgraphUrls: graph.subgraphUrls });
  gateway = await startGateway(config, logs.logger);
});
after(async () => {
  await gateway?.stop();
  await graph?.stop();
});

interface Cost {
  requestedQueryCost: number;
  actualQueryCost: number;
}

const ORDINARY = {
  'three nested lists with a @requires': '{ authors(first: 5) { name books { title reviews { stars tags } shippingCostCents } } }',
  'four nested lists, none sliced but the last': '{ shelves { name books { title author { name books { title similar(limit: 2) { title } } } } } }',
  'Relay and limit arguments on every level': '{ authors(first: 3) { books { reviews(last: 2) { stars } similar(limit: 3) { author { name } editions { format } } } } }',
  'an entity reached through another list': '{ shelves { books { author { name books { title } } editions { format } } } }',
};

describe('cost on a graph without cost directives, with the shipped defaults', () => {
  for (const [name, query] of Object.entries(ORDINARY)) {
    it(`admits an ordinary operation whose actual cost is under 1,000: ${name}`, async () => {
      const response = await postGraphQL(gateway.url, { query });
      assert.equal(response.status, 200, JSON.stringify(response.body.errors));
      assert.equal(response.body.errors, undefined);
      const cost = response.body.extensions?.['cost'] as Cost;
      assert.ok(cost.actualQueryCost > 0 && cost.actualQueryCost < 1000, `actual ${cost.actualQueryCost}`);
      assert.ok(cost.requestedQueryCost >= cost.actualQueryCost, `estimate ${cost.requestedQueryCost} under actual ${cost.actualQueryCost}`);
    });
  }

  it('refuses, before it runs, an operation whose actual cost would be over 100,000', async () => {
    const query = '{ authors(first: 8) { books { similar(limit: 50) { similar(limit: 50) { title } } } } }';
    const response = await postGraphQL(gateway.url, { query });
    assert.equal(response.status, 400);
    assert.equal(response.body.errors?.[0]?.extensions?.['code'], 'COST_ESTIMATED_TOO_EXPENSIVE');

    // What it would have cost: the same operation straight from the library subgraph, costed as the gateway would.
    const direct = await postGraphQL(graph.subgraphUrls.library, { query });
    const apiSchema = Supergraph.build(graph.supergraphSdl).apiSchema().toGraphQLJSSchema();
    assert.ok(actualCost(apiSchema, readCostDirectives(graph.supergraphSdl), parse(query), {}, direct.body.data) > 100_000);
  });

  it('refuses a client asking one limit-sliced list for a million items', async () => {
    const response = await postGraphQL(gateway.url, { query: '{ authors(first: 1) { books { similar(limit: 1000000) { title } } } }' });
    assert.equal(response.status, 400);
    assert.equal(response.body.errors?.[0]?.extensions?.['code'], 'COST_ESTIMATED_TOO_EXPENSIVE');
  });

  it('warns at start-up about every list of objects without @listSize, and how each is sized (not Review.tags: scalars cost nothing)', () => {
    const warning = logs.records.find((l) => Array.isArray(l['fields']));
    assert.ok(warning, 'no warning logged');
    assert.equal(warning['level'], 40);
    assert.deepEqual(warning['fields'], [
      'Author.books',
      'Book.editions',
      'Book.reviews (sized by last)',
      'Book.similar (sized by limit)',
      'Query.authors (sized by first)',
      'Query.shelves',
      'Shelf.books',
    ]);
    assert.equal(warning['defaultListSize'], 10);
  });
});
