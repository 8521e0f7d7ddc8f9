import { relative } from 'node:path';
import { ConfigError } from '../../common/config.ts';
import { apiSchemaOf } from '../../common/api-schema.ts';
import { composeSupergraph } from '../compose.ts';
import type { SubgraphSource } from '../rover-config.ts';
import { applyApprovals } from './approvals.ts';
import { checkCosts, costEstimator, type CostPolicy } from './cost.ts';
import type { OperationSets } from './inputs.ts';
import { createLocator } from './locate.ts';
import { crossSubgraphNonNullFields } from './cross-subgraph.ts';
import { STOREFRONT_OPTIONAL_FIELDS } from '../criticality.ts';
import { checkOperation, coordinateUsage } from './operations.ts';
import { diffApiSchemas } from './schema-diff.ts';
import { SEVERITIES, type AppliedApproval, type CheckReport, type Finding } from './types.ts';

export interface CheckInputs {
  /** The proposed subgraphs (rover.yaml, possibly with one replaced). */
  readonly subgraphs: readonly SubgraphSource[];
  /** The supergraph to compare with, and how to name it in the report. */
  readonly base: { readonly label: string; readonly sdl: string };
  readonly operationSets: OperationSets;
  readonly approvals: readonly AppliedApproval[];
  readonly costPolicy: CostPolicy;
  /** DANGEROUS findings fail the check too. Default false. */
  readonly failOnDangerous?: boolean;
  /** Files in the report are relative to this. Default process.cwd(). */
  readonly cwd?: string;
  /** Fields the gateway holds a fallback for, by coordinate. Default schema/criticality.ts. */
  readonly optionalFields?: Readonly<Record<string, unknown>>;
}

const KIND_ORDER = { schema: 0, operation: 1, cost: 2 } as const;

function byImportance(a: Finding, b: Finding): number {
  return SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
}

function apiSchemaOrInputError(sdl: string, label: string) {
  try {
    return apiSchemaOf(sdl);
  } catch (error) {
    throw new ConfigError('input', [`${label}: not a valid supergraph (${(error as Error).message.split('\n')[0]})`]);
  }
}

/**
 * The whole check, as `npm run schema:check` runs it: compose the proposal
 * (the same path as `npm run compose`), diff its API schema against the base,
 * check every persisted operation of every client and shipped release, and
 * recompute their costs. No I/O: the CLI reads the inputs and prints the report.
 */
export async function runSchemaCheck(inputs: CheckInputs): Promise<CheckReport> {
  const cwd = inputs.cwd ?? process.cwd();
  const { operations, clients, releases } = inputs.operationSets;
  const checked = { operations: operations.length, clients, releases };
  const composed = composeSupergraph(inputs.subgraphs);
  if (!composed.ok) {
    const errors = composed.errors.map((e) => ({ code: e.code, message: e.message, locations: e.locations.map((l) => ({ file: relative(cwd, l.file) || l.file, line: l.line })) }));
    const summary = { BREAKING: 0, DANGEROUS: 0, SAFE: 0, approved: 0 };
    return { verdict: 'fail', base: inputs.base.label, composition: { ok: false, errors }, findings: [], approved: [], unusedApprovals: [], checked, summary };
  }
  const base = apiSchemaOrInputError(inputs.base.sdl, inputs.base.label);
  const next = apiSchemaOf(composed.supergraphSdl);
  const locate = createLocator(inputs.subgraphs, inputs.base.sdl, cwd);

  const schemaChanges = (await diffApiSchemas(base, next, coordinateUsage(base, operations))).map((c) => {
    const location = locate(c.path);
    return location ? { ...c, location } : c;
  });
  // Like every finding here, about what the proposal changes: fields that became cross-subgraph non-null hazards.
  const optional = inputs.optionalFields ?? STOREFRONT_OPTIONAL_FIELDS;
  const known = new Set(crossSubgraphNonNullFields(inputs.base.sdl, optional).map((f) => f.path));
  for (const hazard of crossSubgraphNonNullFields(composed.supergraphSdl, optional)) {
    if (known.has(hazard.path)) continue;
    const location = locate(hazard.path);
    schemaChanges.push(location ? { ...hazard, location } : hazard);
  }
  const operationFindings = operations.flatMap((op) => checkOperation(base, next, op));
  const invalid = new Set(operationFindings.filter((f) => f.type === 'INVALID').map((f) => f.id + f.client + f.release));
  const costFindings = checkCosts(
    operations.filter((op) => !invalid.has(op.id + op.client + op.release)),
    costEstimator(base, inputs.base.sdl),
    costEstimator(next, composed.supergraphSdl),
    inputs.costPolicy,
  );

  const relativeLocation = <F extends Finding>(f: F): F => (f.location ? { ...f, location: { ...f.location, file: relative(cwd, f.location.file) || f.location.file } } : f);
  const all = [...schemaChanges, ...operationFindings, ...costFindings].map(relativeLocation);
  const { remaining, approved, unused } = applyApprovals(all, inputs.approvals);
  remaining.sort(byImportance);
  const count = (severity: string) => remaining.filter((f) => f.severity === severity).length;
  const summary = { BREAKING: count('BREAKING'), DANGEROUS: count('DANGEROUS'), SAFE: count('SAFE'), approved: approved.length };
  const failed = summary.BREAKING > 0 || (inputs.failOnDangerous === true && summary.DANGEROUS > 0);
  return {
    verdict: failed ? 'fail' : 'pass',
    base: inputs.base.label,
    composition: { ok: true, errors: [] },
    findings: remaining,
    approved,
    unusedApprovals: unused,
    checked,
    summary,
  };
}

/** The CLI's exit code for a finished check: 0 pass, 1 fail (2, input errors, never gets this far). */
export const exitCodeOf = (report: CheckReport): 0 | 1 => (report.verdict === 'pass' ? 0 : 1);
