import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { StorefrontGateway } from '../../gateway/execution/gateway.ts';
import { apolloGateway, assertSameAnswer, startFront, type GatewayFactory } from '../support/federation-corpus/differential.ts';
import { faultsGraph } from '../support/federation-corpus/faults.ts';
import { CORPUS, describeCorpus, SHAPES } from '../support/federation-corpus/index.ts';
import { PLAN_EVIDENCE } from '../support/federation-corpus/plan.ts';
import type { Answer } from '../support/federation-corpus/types.ts';

/**
 * Our query-plan executor answers exactly what Apollo's does (issue 13):
 * every case of the federation corpus (test/support/federation-corpus) is sent
 * to `new ApolloGateway(config)` and to `new StorefrontGateway(config)` over
 * the same subgraph servers, and the two answers must be the same bytes
 * (status, then the body serialised with its key order: data, nulls, errors
 * with messages, paths, locations and extensions).
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

describe('the differential check', () => {
  const reference: Answer = { status: 200, body: { errors: [{ message: 'boom', path: ['a', 0, 'b'], extensions: { code: 'X' } }], data: { a: [{ b: null, c: 1 }] } } };
  const variant = (body: Answer['body'], status = 200): Answer => ({ status, body });

  it('accepts byte-identical answers', () => {
    assertSameAnswer(variant(JSON.parse(JSON.stringify(reference.body)) as Answer['body']), reference);
  });

  it('rejects the same values in another key order, another status, or errors that differ in path, message or extensions', () => {
    const wrong = [
      variant({ errors: reference.body.errors, data: { a: [{ c: 1, b: null }] } }),
      variant({ data: reference.body.data, errors: reference.body.errors }),
      variant(reference.body, 500),
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
