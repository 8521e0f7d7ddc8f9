import { Kind, parse, visit, type ConstDirectiveNode } from 'graphql';
import type { PlanKind, PlanNode, QueryPlan, Shape } from './types.ts';

type FetchNode = Extract<PlanNode, { kind: 'Fetch' }>;

/** Every node of a plan, depth first (Condition branches and Defer parts included). */
export function planNodes(plan: QueryPlan): PlanNode[] {
  const nodes: PlanNode[] = [];
  const visit = (node: PlanNode | undefined): void => {
    if (!node) return;
    nodes.push(node);
    switch (node.kind) {
      case 'Sequence':
      case 'Parallel':
        node.nodes.forEach(visit);
        break;
      case 'Flatten':
        visit(node.node);
        break;
      case 'Condition':
        visit(node.ifClause);
        visit(node.elseClause);
        break;
      case 'Defer':
        visit(node.primary.node);
        node.deferred.forEach((d) => visit(d.node));
        break;
      case 'Fetch':
        break;
    }
  };
  if (plan.node && plan.node.kind !== 'Subscription') visit(plan.node);
  return nodes;
}

export const fetchesOf = (plan: QueryPlan): FetchNode[] => planNodes(plan).filter((n): n is FetchNode => n.kind === 'Fetch');

export const kindsOf = (plan: QueryPlan): Set<PlanKind> => new Set(planNodes(plan).map((n) => n.kind));

/**
 * Fetches that must run one after another on the longest path through the
 * plan: a Sequence adds its children up, a Parallel takes its longest child.
 * "An entity chain of 3 hops" is a plan where this is at least 4.
 */
export function sequentialDepth(node: PlanNode | undefined): number {
  if (!node) return 0;
  switch (node.kind) {
    case 'Fetch': return 1;
    case 'Flatten': return sequentialDepth(node.node);
    case 'Sequence': return node.nodes.reduce((sum, n) => sum + sequentialDepth(n), 0);
    case 'Parallel': return Math.max(0, ...node.nodes.map(sequentialDepth));
    case 'Condition': return Math.max(sequentialDepth(node.ifClause), sequentialDepth(node.elseClause));
    case 'Defer': return sequentialDepth(node.primary.node) + Math.max(0, ...node.deferred.map((d) => sequentialDepth(d.node)));
    default: return 0;
  }
}

const selectedNames = (selections: FetchNode['requires']): Set<string> => {
  const names = new Set<string>();
  const visit = (nodes: FetchNode['requires']) => nodes?.forEach((n) => {
    if (n.kind === 'Field') names.add(n.name);
    visit(n.selections);
  });
  visit(selections);
  return names;
};

/** The field sets of every `@requires` in a supergraph, by the subgraph (its name) that requires them. */
function requiresBySubgraph(supergraphSdl: string): Map<string, string[][]> {
  const document = parse(supergraphSdl);
  const graphNames = new Map<string, string>();
  const found = new Map<string, string[][]>();
  const argument = (directive: ConstDirectiveNode, name: string) => {
    const value = directive.arguments?.find((a) => a.name.value === name)?.value;
    return value?.kind === Kind.STRING || value?.kind === Kind.ENUM ? value.value : undefined;
  };
  visit(document, {
    EnumValueDefinition(node) {
      const graph = node.directives?.find((d) => d.name.value === 'join__graph');
      const name = graph && argument(graph, 'name');
      if (name) graphNames.set(node.name.value, name);
    },
  });
  visit(document, {
    FieldDefinition(node) {
      for (const directive of node.directives ?? []) {
        const [graph, requires] = [argument(directive, 'graph'), argument(directive, 'requires')];
        if (directive.name.value !== 'join__field' || !graph || !requires) continue;
        const subgraph = graphNames.get(graph) ?? graph;
        found.set(subgraph, [...(found.get(subgraph) ?? []), requires.match(/\w+/g) ?? []]);
      }
    },
  });
  return found;
}

/** Fetches whose representations carry the fields of one of their subgraph's `@requires`, not only keys. */
function fetchesWithRequires(plan: QueryPlan, supergraphSdl: string): FetchNode[] {
  const requires = requiresBySubgraph(supergraphSdl);
  return fetchesOf(plan).filter((f) => {
    const sent = selectedNames(f.requires);
    return (requires.get(f.serviceName) ?? []).some((fields) => fields.every((name) => sent.has(name)));
  });
}

const rootSelectsTypename = (operation: string) => parse(operation).definitions.some((d) =>
  d.kind === Kind.OPERATION_DEFINITION && d.selectionSet.selections.some((s) => s.kind === Kind.FIELD && s.name.value === '__typename'));

interface CaseContext {
  readonly operation: string;
  readonly supergraphSdl: string;
}

/**
 * Shapes a query plan can show for itself. A case claiming one of these
 * shapes is checked against its reference plan, so the claim cannot rot when
 * a fixture changes. Other shapes (aliases, fragments, faults) are shown by
 * the case's own `answer` assertion instead.
 */
export const PLAN_EVIDENCE: Partial<Record<Shape, (plan: QueryPlan, context: CaseContext) => boolean>> = {
  'condition-node': (plan) => kindsOf(plan).has('Condition'),
  'entity-chain-3': (plan) => sequentialDepth(plan.node as PlanNode | undefined) >= 4,
  'interface-object': (plan) => fetchesOf(plan).some((f) => (f.inputRewrites?.length ?? 0) > 0 || (f.outputRewrites?.length ?? 0) > 0),
  'mutation-sequence': (plan) => plan.node?.kind === 'Sequence' && fetchesOf(plan).filter((f) => f.operationKind === 'mutation').length >= 2,
  'mutation-then-entity-fetch': (plan) => fetchesOf(plan).some((f) => f.operationKind === 'mutation') && kindsOf(plan).has('Flatten'),
  'requires': (plan, { supergraphSdl }) => fetchesWithRequires(plan, supergraphSdl).length > 0,
  // The required field is itself computed by an entity fetch with a @requires of its own.
  'requires-chain': (plan, { supergraphSdl }) => new Set(fetchesWithRequires(plan, supergraphSdl).map((f) => f.serviceName)).size >= 2,
  'introspection': (_plan, { operation }) => /__schema|__type\s*\(/.test(operation),
  'typename-at-root': (_plan, { operation }) => rootSelectsTypename(operation),
};
