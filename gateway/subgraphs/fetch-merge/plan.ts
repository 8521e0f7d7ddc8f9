/**
 * What the merger needs to know of a query plan: for each fetch node, its
 * subgraph, whether anything in the plan waits for it (a leaf), and which
 * fetches must be done before it can start. Apollo's executor runs the
 * children of a Sequence one after the other and those of a Parallel together,
 * so a fetch's predecessors are everything in the earlier children of each
 * Sequence above it.
 *
 * Structural types of the few fields read, so that this module depends on the
 * shape of @apollo/query-planner's QueryPlan and not on the package itself.
 */
export interface PlanNodeShape {
  readonly kind: string;
  readonly nodes?: readonly PlanNodeShape[];
  readonly node?: PlanNodeShape;
  readonly ifClause?: PlanNodeShape;
  readonly elseClause?: PlanNodeShape;
  readonly condition?: string;
  readonly serviceName?: string;
  readonly operation?: string;
  readonly operationKind?: string;
}

export interface PlannedFetch {
  readonly serviceName: string;
  readonly operation: string;
  readonly isQuery: boolean;
  /** Nothing in the plan runs after it (holding it back delays no other fetch). */
  readonly leaf: boolean;
  /** Indexes of the fetches that must settle before this one starts. */
  readonly predecessors: readonly number[];
  /** No other query fetch of the plan to its subgraph can run at the same time: it always goes alone. */
  readonly alone: boolean;
  /** `@skip`/`@include` conditions it runs under: the variable, and the value that picks its branch. */
  readonly conditions: readonly { readonly variable: string; readonly when: boolean }[];
}

export interface PlanIndex {
  readonly fetches: readonly PlannedFetch[];
  /** Fetch indexes by operation text (the planner may write the same text twice). */
  readonly byOperation: ReadonlyMap<string, readonly number[]>;
}

// Plans come from the gateway's plan cache: analyse each plan object once.
const analysed = new WeakMap<object, PlanIndex>();

export function indexPlan(plan: { readonly node?: PlanNodeShape | undefined }): PlanIndex {
  let index = analysed.get(plan);
  if (!index) {
    index = buildIndex(plan.node);
    analysed.set(plan, index);
  }
  return index;
}

function buildIndex(root: PlanNodeShape | undefined): PlanIndex {
  const fetches: PlannedFetch[] = [];
  type Conditions = PlannedFetch['conditions'];
  const walk = (node: PlanNodeShape | undefined, predecessors: readonly number[], leaf: boolean, conditions: Conditions = []): number[] => {
    if (!node) return [];
    switch (node.kind) {
      case 'Fetch': {
        fetches.push({ serviceName: node.serviceName ?? '', operation: node.operation ?? '', isQuery: node.operationKind === 'query', leaf, predecessors, conditions, alone: true });
        return [fetches.length - 1];
      }
      case 'Sequence': {
        const children = node.nodes ?? [];
        const inside: number[] = [];
        let before = predecessors;
        children.forEach((child, i) => {
          const added = walk(child, before, leaf && i === children.length - 1, conditions);
          inside.push(...added);
          before = [...before, ...added];
        });
        return inside;
      }
      case 'Parallel':
        return (node.nodes ?? []).flatMap((child) => walk(child, predecessors, leaf, conditions));
      case 'Flatten':
        return walk(node.node, predecessors, leaf, conditions);
      case 'Condition': {
        const variable = node.condition ?? '';
        return [
          ...walk(node.ifClause, predecessors, leaf, [...conditions, { variable, when: true }]),
          ...walk(node.elseClause, predecessors, leaf, [...conditions, { variable, when: false }]),
        ];
      }
      default:
        // Defer and Subscription: the gateway executes neither; nothing to merge.
        return [];
    }
  };
  walk(root, [], true);
  const concurrent = (a: number, b: number) => !fetches[a]!.predecessors.includes(b) && !fetches[b]!.predecessors.includes(a);
  const indexed = fetches.map((f, i) => ({
    ...f,
    alone: !fetches.some((g, j) => j !== i && f.isQuery && g.isQuery && g.serviceName === f.serviceName && concurrent(i, j)),
  }));
  const byOperation = new Map<string, number[]>();
  indexed.forEach((f, i) => {
    const list = byOperation.get(f.operation);
    if (list) list.push(i);
    else byOperation.set(f.operation, [i]);
  });
  return { fetches: indexed, byOperation };
}

/**
 * Fetches of this request's plan in a branch its `@skip`/`@include` variables
 * did not pick: they will never be issued, so nothing waits for them. A
 * variable not sent as a boolean (a default applies) decides nothing here.
 */
export function unpicked(index: PlanIndex, variables: Readonly<Record<string, unknown>> | undefined): number[] {
  const out: number[] = [];
  index.fetches.forEach((f, i) => {
    if (f.conditions.some((c) => typeof variables?.[c.variable] === 'boolean' && variables[c.variable] !== c.when)) out.push(i);
  });
  return out;
}
