import { parse, type GraphQLSchema } from 'graphql';
import { estimateCost, readCostDirectives } from '../../gateway/admission/cost/index.ts';
import { operationLabel, type PersistedOperation } from './operations.ts';
import type { CostFinding } from './types.ts';

/** Estimated cost of a persisted operation under one schema, with no variables (defaults and @listSize decide). */
export type CostOf = (op: PersistedOperation) => number | null;

/** The gateway's own estimator (gateway/admission/cost), so the check and the gateway agree to the point. */
export function costEstimator(apiSchema: GraphQLSchema, supergraphSdl: string): CostOf {
  const directives = readCostDirectives(supergraphSdl);
  return (op) => {
    try {
      return estimateCost(apiSchema, directives, parse(op.body), { operationName: op.operation, variables: {} });
    } catch {
      return null; // not costable under this schema (e.g. new in this change): nothing to compare
    }
  };
}

export interface CostPolicy {
  /** The client profile's `cost.maxCost` (null: no maximum). */
  readonly maxCostOf: (client: string) => number | null;
  /** Growth above this share of the base cost is flagged DANGEROUS, e.g. 25 for +25 %. */
  readonly growthPercent: number;
}

/**
 * Recomputes every operation's estimated cost under the proposed schema's
 * `@cost`/`@listSize`. Over the client's maximum: BREAKING, because that
 * gateway would refuse it (COST_ESTIMATED_TOO_EXPENSIVE) on real devices.
 * Grown by more than `growthPercent`: DANGEROUS, because it drains the
 * client's budget faster. Pure.
 */
export function checkCosts(operations: readonly PersistedOperation[], before: CostOf, after: CostOf, policy: CostPolicy): CostFinding[] {
  const findings: CostFinding[] = [];
  for (const op of operations) {
    const now = after(op);
    if (now === null) continue;
    const was = before(op);
    const maxCost = policy.maxCostOf(op.client);
    const base = { kind: 'cost' as const, client: op.client, release: op.release, operation: op.operation, id: op.id, before: was, after: now, maxCost, path: null, ...(op.location ? { location: op.location } : {}) };
    if (maxCost !== null && now > maxCost) {
      findings.push({ ...base, severity: 'BREAKING', type: 'OVER_MAX_COST', message: `${operationLabel(op)} would cost ${now}${was === null ? '' : ` (was ${was})`}, over the ${op.client} maximum of ${maxCost}: the gateway would refuse it with COST_ESTIMATED_TOO_EXPENSIVE` });
    } else if (was !== null && was > 0 && ((now - was) / was) * 100 > policy.growthPercent) {
      const growth = Math.round(((now - was) / was) * 100);
      findings.push({ ...base, severity: 'DANGEROUS', type: 'COST_GREW', message: `${operationLabel(op)} cost grew from ${was} to ${now} (+${growth} %, more than ${policy.growthPercent} %)` });
    }
  }
  return findings;
}
