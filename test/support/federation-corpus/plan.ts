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

const requiresFieldNames = (fetch: FetchNode): string[] => {
  const names: string[] = [];
  const visit = (selections: FetchNode['requires']) => selections?.forEach((s) => {
    if (s.kind === 'Field') names.push(s.name);
    visit(s.selections);
  });
  visit(fetch.requires);
  return names;
};

/**
 * Shapes a query plan can show for itself. A case claiming one of these
 * shapes is checked against its reference plan, so the claim cannot rot when
 * a fixture changes. Other shapes (aliases, fragments, faults) are shown by
 * the case's own `answer` assertion instead.
 */
export const PLAN_EVIDENCE: Partial<Record<Shape, (plan: QueryPlan, operation: string) => boolean>> = {
  'condition-node': (plan) => kindsOf(plan).has('Condition'),
  'entity-chain-3': (plan) => sequentialDepth(plan.node as PlanNode | undefined) >= 4,
  'interface-object': (plan) => fetchesOf(plan).some((f) => (f.inputRewrites?.length ?? 0) > 0 || (f.outputRewrites?.length ?? 0) > 0),
  'mutation-sequence': (plan) => plan.node?.kind === 'Sequence' && fetchesOf(plan).filter((f) => f.operationKind === 'mutation').length >= 2,
  'mutation-then-entity-fetch': (plan) => fetchesOf(plan).some((f) => f.operationKind === 'mutation') && kindsOf(plan).has('Flatten'),
  // A @requires shows as an entity fetch whose representation carries more than key fields.
  'requires': (plan) => fetchesOf(plan).some((f) => requiresFieldNames(f).length > 2),
  'requires-chain': (plan) => sequentialDepth(plan.node as PlanNode | undefined) >= 3,
  'introspection': (_plan, operation) => /__schema|__type\s*\(/.test(operation),
  'typename-at-root': (_plan, operation) => /^\s*(query\b[^{]*)?\{\s*(\w+\s*:\s*)?__typename/.test(operation),
};
