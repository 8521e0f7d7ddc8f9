import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { parse } from 'graphql';
import { StorefrontGateway } from '../../gateway/execution/gateway.ts';
import { apolloGateway, assertSameAnswer, startFront, type GatewayFactory } from '../support/federation-corpus/differential.ts';
import { faultsGraph } from '../support/federation-corpus/fault-cases.ts';
import { CORPUS, describeCorpus, SHAPES } from '../support/federation-corpus/index.ts';
import { PLAN_EVIDENCE } from '../support/federation-corpus/plan.ts';
import type { Answer, QueryPlan } from '../support/federation-corpus/types.ts';

/**
 * Our query-plan executor answers exactly what Apollo's does (issue 13):
 * every case of the federation corpus (test/support/federation-corpus) is sent
 * to `new ApolloGateway(config)` and to `new StorefrontGateway(config)` over
 * the same subgraph servers, and the two answers must be the same bytes
 * (status, headers, then the body serialised with its key order: data,
 * nulls, errors with messages, paths, locations and extensions). Stack traces
 * are off on both fronts: they name the executor's own files.
 */
describeCorpus(CORPUS, (config) => new StorefrontGateway(config));

describe('the federation corpus itself', () => {
  it('claims every shape of the catalogue in some case', () => {
    const claimed = new Set(CORPUS.flatMap((g) => g.cases.flatMap((c) => c.shapes)));
    assert.deepEqual(SHAPES.filter((s) => !claimed.has(s)), []);
  });

  it('gives every case a distinct name within its graph', () => {
    for (const graph of CORPUS) assert.equal(new Set(graph.cases.map((c) => c.name)).size, graph.cases.length, graph.title);
  });

  it('checks shapes the plan cannot show with an assertion on the answer', () => {
    const unproven = CORPUS.flatMap((g) => g.cases).filter((c) => !c.answer && !c.shapes.every((s) => PLAN_EVIDENCE[s])).map((c) => c.name);
    assert.deepEqual(unproven, []);
  });
});

describe('plan evidence for the shapes a case claims', () => {
  const fetch = (serviceName: string, requires?: string[], operationKind = 'query') => ({
    kind: 'Fetch', serviceName, operation: '{ x }', operationKind,
    ...(requires ? { requires: [{ kind: 'InlineFragment', typeCondition: 'P', selections: requires.map((name) => ({ kind: 'Field', name })) }] } : {}),
  });
  const plan = (node: object) => ({ kind: 'QueryPlan', node }) as unknown as QueryPlan;
  const flat = (node: object) => ({ kind: 'Flatten', path: ['p'], node });
  const supergraphSdl = composeServices(['a', 'b', 'c'].map((name, i) => ({
    name,
    url: `http://${name}`,
    typeDefs: parse(`extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@external", "@requires"])
      ${['type P @key(fields: "id") { id: ID! w: Int! }', 'type P @key(fields: "id") { id: ID! w: Int! @external s: Int! @requires(fields: "w") }', 'type P @key(fields: "id") { id: ID! s: Int! @external t: Int! @requires(fields: "s") }'][i]}
      ${i === 0 ? 'type Query { p: P }' : ''}`),
  }))).supergraphSdl!;
  const context = (operation: string) => ({ operation, supergraphSdl });
  const chain = plan({ kind: 'Sequence', nodes: [fetch('a'), flat(fetch('b', ['__typename', 'id', 'w'])), flat(fetch('c', ['__typename', 'id', 's']))] });

  it('sees a @requires only where the representations carry its fields, and a chain where two subgraphs require', () => {
    const keysOnly = plan({ kind: 'Sequence', nodes: [fetch('a'), flat(fetch('b', ['__typename', 'id']))] });
    assert.equal(PLAN_EVIDENCE.requires!(keysOnly, context('{ p { s } }')), false);
    assert.equal(PLAN_EVIDENCE.requires!(chain, context('{ p { t } }')), true);
    assert.equal(PLAN_EVIDENCE['requires-chain']!(plan({ kind: 'Sequence', nodes: [fetch('a'), flat(fetch('b', ['__typename', 'id', 'w']))] }), context('{ p { s } }')), false);
    assert.equal(PLAN_EVIDENCE['requires-chain']!(chain, context('{ p { t } }')), true);
  });

  it('counts a chain by fetches in sequence, not fetches in parallel', () => {
    const wide = plan({ kind: 'Sequence', nodes: [fetch('a'), { kind: 'Parallel', nodes: [flat(fetch('b')), flat(fetch('c')), flat(fetch('b'))] }] });
    assert.equal(PLAN_EVIDENCE['entity-chain-3']!(wide, context('{ p { s } }')), false);
    assert.equal(PLAN_EVIDENCE['entity-chain-3']!(plan({ kind: 'Sequence', nodes: [fetch('a'), flat(fetch('b')), flat(fetch('c')), flat(fetch('a'))] }), context('{ p { s } }')), true);
  });

  it('sees Condition nodes, mutation sequences and __typename at the root only where they are', () => {
    assert.equal(PLAN_EVIDENCE['condition-node']!(chain, context('{ p { t } }')), false);
    assert.equal(PLAN_EVIDENCE['condition-node']!(plan({ kind: 'Condition', condition: 'x', ifClause: fetch('a') }), context('{ p { t } }')), true);
    assert.equal(PLAN_EVIDENCE['mutation-sequence']!(plan({ kind: 'Sequence', nodes: [fetch('a', undefined, 'mutation'), fetch('b')] }), context('mutation { m }')), false);
    assert.equal(PLAN_EVIDENCE['mutation-sequence']!(plan({ kind: 'Sequence', nodes: [fetch('a', undefined, 'mutation'), fetch('b', undefined, 'mutation')] }), context('mutation { m }')), true);
    assert.equal(PLAN_EVIDENCE['typename-at-root']!(chain, context('{ p { __typename } }')), false);
    assert.equal(PLAN_EVIDENCE['typename-at-root']!(chain, context('query Q { t: __typename p { id } }')), true);
  });
});

describe('the differential check', () => {
  const reference: Answer = { status: 200, headers: [['cache-control', 'no-store']], body: { errors: [{ message: 'boom', path: ['a', 0, 'b'], extensions: { code: 'X' } }], data: { a: [{ b: null, c: 1 }] } } };
  const variant = (body: Answer['body'], status = 200, headers = reference.headers): Answer => ({ status, headers, body });

  it('accepts byte-identical answers', () => {
    assertSameAnswer(variant(JSON.parse(JSON.stringify(reference.body)) as Answer['body']), reference);
  });

  it('rejects the same values in another key order, another status or headers, or errors that differ in path, message or extensions', () => {
    const wrong = [
      variant({ errors: reference.body.errors, data: { a: [{ c: 1, b: null }] } }),
      variant({ data: reference.body.data, errors: reference.body.errors }),
      variant(reference.body, 500),
      variant(reference.body, 200, [['cache-control', 'max-age=60, public']]),
      variant({ ...reference.body, errors: [{ message: 'boom', path: ['a', 0], extensions: { code: 'X' } }] }),
      variant({ ...reference.body, errors: [{ message: 'Boom', path: ['a', 0, 'b'], extensions: { code: 'X' } }] }),
      variant({ ...reference.body, errors: [{ message: 'boom', path: ['a', 0, 'b'], extensions: { code: 'Y' } }] }),
      variant({ ...reference.body, errors: [{ message: 'boom', path: ['a', 0, 'b'] }] }),
      variant({ ...reference.body, data: { a: [{ c: 1 }] } }),
      variant({ ...reference.body, extensions: {} }),
    ];
    for (const answer of wrong) assert.throws(() => assertSameAnswer(answer, reference), assert.AssertionError, JSON.stringify(answer));
  });

  it('catches a candidate gateway that changes a value, an error path or an error code on the way', async () => {
    const running = await faultsGraph.start();
    // Candidates that differ from Apollo's executor by one detail of what a subgraph said.
    const sabotaged = (edit: (body: Record<string, unknown>) => void): GatewayFactory => (config) => new ApolloGateway({
      ...config,
      buildService: ({ url }) => new RemoteGraphQLDataSource({
        url,
        didReceiveResponse: ({ response }) => {
          edit(response as unknown as Record<string, unknown>);
          return response;
        },
      }),
    });
    type SubgraphError = { path?: unknown; extensions?: Record<string, unknown> };
    const candidates = [
      sabotaged((r) => { r['data'] = JSON.parse(JSON.stringify(r['data']).replace('detail of i1', 'detail of I1')) as unknown; }),
      sabotaged((r) => { for (const e of (r['errors'] ?? []) as SubgraphError[]) delete e.path; }),
      sabotaged((r) => { for (const e of (r['errors'] ?? []) as SubgraphError[]) e.extensions = { ...e.extensions, code: 'OTHER' }; }),
    ];
    const testCase = { query: '{ items { id name detail { text } } }' };
    const fronts = await Promise.all([apolloGateway, ...candidates].map((factory) => startFront(factory, running.supergraphSdl)));
    try {
      const [expected, ...answers] = await Promise.all(fronts.map((front) => front.run(testCase)));
      for (const answer of answers) assert.throws(() => assertSameAnswer(answer, expected!), assert.AssertionError);
    } finally {
      await Promise.all(fronts.map((front) => front.stop()));
      await running.stop();
    }
  });
});
