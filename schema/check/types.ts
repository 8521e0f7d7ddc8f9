/**
 * What a schema check finds. Severities follow GraphQL Inspector and Hive
 * (BREAKING fails the check, DANGEROUS warns, SAFE informs); every finding
 * carries a one-line reason and where it is, so a report can be grouped,
 * printed, annotated on a pull request or read by a machine.
 */
export const SEVERITIES = ['BREAKING', 'DANGEROUS', 'SAFE'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A place in a file, for GitHub annotations and human reports. */
export interface SourceLocation {
  /** Path relative to the working directory, as given in rover.yaml or found on disk. */
  readonly file: string;
  readonly line: number;
}

/** One change between the base and the proposed API schema. */
export interface SchemaChange {
  readonly kind: 'schema';
  readonly severity: Severity;
  /** GraphQL Inspector's change type, e.g. FIELD_REMOVED, FIELD_TYPE_CHANGED, ENUM_VALUE_ADDED. */
  readonly type: string;
  /** Schema coordinate, e.g. `Product.brand`, `Query.searchProducts.categoryId`, `ImageSize.HUGE`. */
  readonly path: string;
  readonly message: string;
  /** Why it has this severity, one line. */
  readonly reason: string;
  readonly location?: SourceLocation;
}

/** Where a persisted operation comes from: a client's current manifest or a shipped release. */
export interface OperationOrigin {
  readonly client: string;
  /** The release version (`persisted-queries/releases/<client>/<version>.json`), or null for the current manifest. */
  readonly release: string | null;
  readonly operation: string;
  readonly id: string;
}

/** A persisted operation that the proposed schema breaks (or may surprise). */
export interface OperationFinding extends OperationOrigin {
  readonly kind: 'operation';
  readonly severity: Exclude<Severity, 'SAFE'>;
  /** INVALID (no longer validates), TYPE_CHANGED, NULLABILITY_CHANGED, LIST_CHANGED, INPUT_CHANGED, ARGUMENT_DEFAULT_CHANGED, ENUM_VALUE_ADDED. */
  readonly type: string;
  /** Response path in the operation, e.g. `product.price.effectivePrice`; variables as `$name`. */
  readonly fieldPath: string | null;
  /** The schema coordinate the finding is about, e.g. `Money.formatted`. */
  readonly path: string | null;
  readonly message: string;
  readonly location?: SourceLocation;
}

/** A persisted operation whose estimated cost is over its client's maximum or grew too much. */
export interface CostFinding extends OperationOrigin {
  readonly kind: 'cost';
  readonly severity: Exclude<Severity, 'SAFE'>;
  /** OVER_MAX_COST or COST_GREW. */
  readonly type: string;
  readonly before: number | null;
  readonly after: number;
  readonly maxCost: number | null;
  readonly path: null;
  readonly message: string;
  readonly location?: SourceLocation;
}

export type Finding = SchemaChange | OperationFinding | CostFinding;

/** A composition error, with Apollo's code (e.g. FIELD_TYPE_MISMATCH). */
export interface CompositionFinding {
  readonly code: string;
  readonly message: string;
  readonly locations: readonly SourceLocation[];
}

/** One approval applied to a breaking finding. */
export interface AppliedApproval {
  readonly path: string;
  readonly type: string | null;
  readonly reason: string;
  /** Where the approval came from: the approvals file or `--approve`. */
  readonly source: string;
}

export interface ApprovedFinding {
  readonly finding: Finding;
  readonly approval: AppliedApproval;
}

export type Verdict = 'pass' | 'fail';

export interface CheckReport {
  readonly verdict: Verdict;
  readonly base: string;
  readonly composition: { readonly ok: boolean; readonly errors: readonly CompositionFinding[] };
  /** Unapproved findings, BREAKING first. */
  readonly findings: readonly Finding[];
  readonly approved: readonly ApprovedFinding[];
  /** Approvals that matched nothing: stale entries worth deleting. */
  readonly unusedApprovals: readonly AppliedApproval[];
  readonly checked: {
    readonly operations: number;
    readonly clients: readonly string[];
    readonly releases: readonly string[];
  };
  readonly summary: Record<Severity, number> & { readonly approved: number };
}
