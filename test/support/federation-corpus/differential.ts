import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApolloGateway, type GatewayConfig } from '@apollo/gateway';
import { ApolloServer, type ApolloServerOptionsWithGateway, type BaseContext } from '@apollo/server';
import { fetchesOf, kindsOf, PLAN_EVIDENCE } from './plan.ts';
import type { Answer, CorpusCase, CorpusGraph, QueryPlan, RunningGraph } from './types.ts';

type Gateway = ApolloServerOptionsWithGateway<BaseContext>['gateway'];
/** Builds the gateway under test from the same config the reference `ApolloGateway` gets. */
export type GatewayFactory = (config: GatewayConfig) => Gateway;

export const apolloGateway: GatewayFactory = (config) => new ApolloGateway(config);

/**
 * The client's view of an answer, as bytes: the status, the headers (the
 * executor feeds the subgraphs' cache-control into the response's) and the
 * body serialised with its key order. Nothing is dropped: both servers run
 * with `includeStacktraceInErrorResponses: false` (a stack names the
 * executor's own files, so it would differ by design), and error `locations`
 * are compared as they are, since both executors get them from the same
 * client document.
 */
export const clientView = (answer: Answer): string => `${answer.status} ${JSON.stringify(answer.headers)} ${JSON.stringify(answer.body)}`;

/** Fails with a diff of the two client views unless they are byte-identical. */
export function assertSameAnswer(candidate: Answer, reference: Answer): void {
  const [got, expected] = [clientView(candidate), clientView(reference)];
  if (got === expected) return;
  // Parsed again so the assertion message shows a structural diff, not two long lines.
  const plain = (answer: Answer) => JSON.parse(JSON.stringify(answer)) as unknown;
  assert.deepStrictEqual(plain(candidate), plain(reference), 'the candidate answers differently from Apollo\'s executor');
  assert.equal(got, expected, 'the candidate answers the same values with a different key order');
}

/** One gateway behind an in-process Apollo Server front, with the last plan it resolved. */
export interface Front {
  run(testCase: Pick<CorpusCase, 'query' | 'variables' | 'operationName'>): Promise<Answer>;
  lastPlan(): QueryPlan | undefined;
  stop(): Promise<void>;
}

export async function startFront(factory: GatewayFactory, supergraphSdl: string): Promise<Front> {
  let plan: QueryPlan | undefined;
  // The data sources are the gateway's default (a plain RemoteGraphQLDataSource per subgraph URL).
  const gateway = factory({ supergraphSdl, experimental_didResolveQueryPlan: ({ queryPlan }) => { plan = queryPlan; } });
  const server = new ApolloServer({ gateway, includeStacktraceInErrorResponses: false });
  await server.start();
  return {
    async run({ query, variables, operationName }) {
      plan = undefined;
      const response = await server.executeOperation({ query, ...(variables ? { variables } : {}), ...(operationName ? { operationName } : {}) });
      assert.equal(response.body.kind, 'single', 'the corpus has no incremental delivery');
      return {
        status: response.http.status ?? 200,
        headers: [...response.http.headers].sort(([a], [b]) => a.localeCompare(b)),
        body: response.body.kind === 'single' ? response.body.singleResult : {},
      };
    },
    lastPlan: () => plan,
    stop: () => server.stop(),
  };
}

/** Checks on the reference's plan and answer that the case exercises what it names. */
export function assertCaseMeansIt(testCase: CorpusCase, plan: QueryPlan | undefined, answer: Answer, supergraphSdl: string): void {
  const fetches = plan ? fetchesOf(plan).length : 0;
  assert.equal(fetches, testCase.plan.fetches, `fetches in the plan of "${testCase.name}"`);
  for (const kind of testCase.plan.has ?? []) assert.ok(plan && kindsOf(plan).has(kind), `the plan of "${testCase.name}" has a ${kind} node`);
  for (const shape of testCase.shapes) {
    const evidence = PLAN_EVIDENCE[shape];
    if (evidence) assert.ok(plan && evidence(plan, { operation: testCase.query, supergraphSdl }), `the plan of "${testCase.name}" shows ${shape}`);
  }
  testCase.answer?.(answer);
}

/**
 * One graph's cases, each sent to a reference `ApolloGateway` and to the
 * candidate the factory builds, one after the other (never concurrently:
 * stateful subgraphs are reset before each operation).
 */
export function describeGraph(graph: CorpusGraph, candidate: GatewayFactory): void {
  describe(graph.title, () => {
    const fronts = frontsFor(graph, apolloGateway, candidate);
    for (const testCase of graph.cases) {
      it(testCase.name, async () => {
        const { running, reference, tested } = fronts();
        running.reset();
        const expected = await reference.run(testCase);
        const plan = reference.lastPlan();
        running.reset();
        const got = await tested.run(testCase);
        assertSameAnswer(got, expected);
        assertCaseMeansIt(testCase, plan, expected, running.supergraphSdl);
      });
    }
  });
}

/** A graph's subgraph servers and two fronts over them: the reference and the gateway under test. */
export interface Fronts {
  readonly running: RunningGraph;
  readonly reference: Front;
  readonly tested: Front;
}

/** Inside a describe: starts the graph and both fronts before its tests, stops them after; the result reads them in a test. */
export function frontsFor(graph: CorpusGraph, reference: GatewayFactory, candidate: GatewayFactory): () => Fronts {
  let fronts: Fronts | undefined;
  before(async () => {
    const running = await graph.start();
    const [referenceFront, testedFront] = await Promise.all([startFront(reference, running.supergraphSdl), startFront(candidate, running.supergraphSdl)]);
    fronts = { running, reference: referenceFront, tested: testedFront };
  });
  after(async () => {
    if (!fronts) return;
    await Promise.all([fronts.reference.stop(), fronts.tested.stop()]);
    await fronts.running.stop();
  });
  return () => {
    assert.ok(fronts, `${graph.title}: the graph and its fronts did not start`);
    return fronts;
  };
}

/** The whole corpus against one candidate: what the lead runs with other gateway configs. */
export function describeCorpus(graphs: readonly CorpusGraph[], candidate: GatewayFactory): void {
  for (const graph of graphs) describeGraph(graph, candidate);
}
