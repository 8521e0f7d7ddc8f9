import type { GatewayConfig } from '@apollo/gateway';
import type { FormattedExecutionResult } from 'graphql';

type DidResolveQueryPlan = NonNullable<GatewayConfig['experimental_didResolveQueryPlan']>;
/** The query planner's plan, as the gateway hands it to `experimental_didResolveQueryPlan`. */
export type QueryPlan = Parameters<DidResolveQueryPlan>[0]['queryPlan'];
export type PlanNode = NonNullable<QueryPlan['node']>;
export type PlanKind = PlanNode['kind'];

/** What a client receives: the HTTP status, the headers the server set and the JSON body. */
export interface Answer {
  readonly status: number;
  /** Lower-cased names, sorted (Apollo Server sets `cache-control` from the subgraphs' hints). */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: FormattedExecutionResult;
}

/**
 * The federation shapes the corpus must cover (issue 13, item 3). A case names
 * the shapes it exercises; test/unit/execution-differential.test.ts checks that
 * every shape here is claimed by some case, and that the claims the query plan
 * can show are true (see PLAN_EVIDENCE in plan.ts).
 */
export const SHAPES = [
  'requires',
  'requires-list',
  'requires-nested-object',
  'requires-chain',
  'provides',
  'interface-object',
  'key-composite',
  'key-multiple',
  'key-nested-fields',
  'key-resolvable-false',
  'interface-across-subgraphs',
  'union-across-subgraphs',
  'fragment-on-interface',
  'fragment-on-union',
  'typename',
  'shareable',
  'override',
  'external',
  'inaccessible',
  'enum',
  'custom-scalar',
  'list-of-lists',
  'alias',
  'alias-same-field-different-arguments',
  'alias-entity-field',
  'alias-typename',
  'named-fragment',
  'inline-fragment',
  'inline-fragment-without-type-condition',
  'nested-fragments',
  'skip-include-variable',
  'skip-include-literal',
  'skip-include-fragment',
  'condition-node',
  'variable-default',
  'variable-missing-optional',
  'introspection',
  'typename-at-root',
  'mutation-sequence',
  'mutation-then-entity-fetch',
  'entity-chain-3',
  'entities-in-nested-lists',
  'fault-entity-fetch-error',
  'fault-root-fetch-error',
  'fault-non-null-propagation',
  'fault-non-null-in-list',
  'fault-http-500',
  'fault-subgraph-down',
  'fault-invalid-typename',
  'fault-silent-null',
  'fault-wrong-leaf-type',
  'fault-entities-wrong-length',
  'fault-data-null',
  'fault-partial-data',
  'fault-error-extensions',
  'cache-control-hints',
] as const;
export type Shape = (typeof SHAPES)[number];

/** What the reference gateway's plan must look like, so a case cannot quietly stop testing what it names. */
export interface PlanExpectation {
  /** Fetch nodes in the whole plan (both branches of a Condition count). */
  readonly fetches: number;
  /** Node kinds that must appear somewhere in the plan. */
  readonly has?: readonly PlanKind[];
}

export interface CorpusCase {
  /** Reads as a specification: `it(name)`. */
  readonly name: string;
  readonly shapes: readonly Shape[];
  readonly query: string;
  readonly operationName?: string;
  readonly variables?: Record<string, unknown>;
  readonly plan: PlanExpectation;
  /** Asserts on the reference answer what makes the case what it says (an error, a null, a value). */
  readonly answer?: (answer: Answer) => void;
}

/** A corpus graph once its subgraphs listen. */
export interface RunningGraph {
  readonly supergraphSdl: string;
  /** Puts stateful subgraphs (mutations, fault counters) back as they started; run before each operation. */
  reset(): void;
  stop(): Promise<void>;
}

export interface CorpusGraph {
  /** `describe(title)`. */
  readonly title: string;
  start(): Promise<RunningGraph>;
  readonly cases: readonly CorpusCase[];
}
