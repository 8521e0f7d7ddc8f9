import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, validateConfig } from '../../common/config.ts';
import type { AppliedApproval, ApprovedFinding, Finding } from './types.ts';

/** Default approvals file, read when it exists. */
export const DEFAULT_APPROVALS_PATH = 'schema/approved-changes.yaml';

const COORDINATE = /^[_A-Za-z][_0-9A-Za-z]*(\.[_A-Za-z][_0-9A-Za-z]*){0,2}$/;

const approvalsFileSchema = z
  .object({
    approvals: z
      .array(
        z
          .object({
            /** Schema coordinate the approval covers, e.g. `Product.brand` (and everything under it). */
            path: z.string().regex(COORDINATE, 'expected a schema coordinate such as Product.brand or Query.product.id'),
            /** Only findings of this type, e.g. FIELD_REMOVED; omitted: any breaking finding at the path. */
            type: z.string().regex(/^[A-Z_]+$/, 'expected a change type such as FIELD_REMOVED').optional(),
            /** Why it is acceptable: shown in every report, so say who agreed and why. Required. */
            reason: z.string().trim().min(1, 'expected a reason'),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

/** Reads an approvals file; a missing default file means no approvals, any other problem is an input error. */
export function readApprovalsFile(path: string, required: boolean): AppliedApproval[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ConfigError('approvals', [`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError('approvals', [`${path}: is not valid YAML (${(error as Error).message.split('\n')[0]})`]);
  }
  const file = validateConfig(approvalsFileSchema, raw, `approvals (${path})`);
  return file.approvals.map((a) => ({ path: a.path, type: a.type ?? null, reason: a.reason, source: path }));
}

/** `--approve Product.brand` (repeatable). */
export function approvalsFromFlags(paths: readonly string[]): AppliedApproval[] {
  const problems = paths.filter((p) => !COORDINATE.test(p)).map((p) => `--approve: expected a schema coordinate such as Product.brand, received ${JSON.stringify(p)}`);
  if (problems.length > 0) throw new ConfigError('command-line', problems);
  return paths.map((path) => ({ path, type: null, reason: 'approved on the command line (--approve)', source: '--approve' }));
}

function covers(approval: AppliedApproval, finding: Finding): boolean {
  if (finding.path === null) return false; // cost findings are fixed by @listSize or the client's maxCost, not approved
  if (approval.type !== null && approval.type !== finding.type) return false;
  return finding.path === approval.path || finding.path.startsWith(`${approval.path}.`);
}

/**
 * Splits BREAKING findings into those an approval covers and the rest. An
 * approval covers a schema change at its path (or below it) and every
 * persisted-operation finding about that coordinate, so approving a removal
 * also accepts the operations it breaks: the report still lists each of them
 * under "approved". Pure.
 */
export function applyApprovals(findings: readonly Finding[], approvals: readonly AppliedApproval[]) {
  const remaining: Finding[] = [];
  const approved: ApprovedFinding[] = [];
  const used = new Set<AppliedApproval>();
  for (const finding of findings) {
    const approval = finding.severity === 'BREAKING' ? approvals.find((a) => covers(a, finding)) : undefined;
    if (approval) {
      approved.push({ finding, approval });
      used.add(approval);
    } else {
      remaining.push(finding);
    }
  }
  return { remaining, approved, unused: approvals.filter((a) => !used.has(a)) };
}
