import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { composeSupergraph } from '../../schema/compose.ts';
import { loadRoverConfig, type SubgraphSource } from '../../schema/rover-config.ts';
import { runSchemaCheck } from '../../schema/check/check.ts';
import { loadMaxCosts, loadOperationSets } from '../../schema/check/inputs.ts';
import type { AppliedApproval, CheckReport, Finding } from '../../schema/check/types.ts';

export const REPO = new URL('../../', import.meta.url).pathname;
export const ROVER = `${REPO}rover.yaml`;
export const COMMITTED_SUPERGRAPH = readFileSync(`${REPO}schema/supergraph.graphql`, 'utf8');

/** A small change to one of our subgraphs: `search` must occur in its SDL, so a fixture cannot silently become a no-op. */
export interface SdlEdit {
  readonly subgraph: string;
  readonly search: string;
  readonly replace: string;
}

/** Our subgraphs (rover.yaml) with the edits applied. */
export function editedSubgraphs(edits: readonly SdlEdit[]): SubgraphSource[] {
  return loadRoverConfig(ROVER).map((s) => {
    let sdl = s.sdl;
    for (const edit of edits.filter((e) => e.subgraph === s.name)) {
      assert.ok(sdl.includes(edit.search), `fixture edit: ${JSON.stringify(edit.search)} not found in the ${s.name} subgraph`);
      sdl = sdl.replace(edit.search, edit.replace);
    }
    return { ...s, sdl };
  });
}

/** The supergraph our subgraphs compose to with the edits applied (a base other than the committed one). */
export function supergraphWith(edits: readonly SdlEdit[]): string {
  const outcome = composeSupergraph(editedSubgraphs(edits));
  assert.ok(outcome.ok, 'the base edits must compose');
  return outcome.supergraphSdl;
}

const operationSets = loadOperationSets(`${REPO}persisted-queries`);

/** Runs the check as `npm run schema:check` does, on the repository's persisted operations and releases. */
export function checkEdits(edits: readonly SdlEdit[], options: { base?: string; approvals?: AppliedApproval[]; failOnDangerous?: boolean } = {}): Promise<CheckReport> {
  return runSchemaCheck({
    subgraphs: editedSubgraphs(edits),
    base: { label: 'test base', sdl: options.base ?? COMMITTED_SUPERGRAPH },
    operationSets,
    approvals: options.approvals ?? [],
    costPolicy: { maxCostOf: loadMaxCosts([]), growthPercent: 25 },
    failOnDangerous: options.failOnDangerous ?? false,
    cwd: REPO,
  });
}

/** A compact view of findings for assertions: `SEVERITY kind TYPE path [client@release operation fieldPath]`. */
export function summarise(findings: readonly Finding[]): string[] {
  return findings.map((f) => {
    const who = f.kind === 'schema' ? '' : ` ${f.client}${f.release ? `@${f.release}` : ''} ${f.operation}${f.kind === 'operation' && f.fieldPath ? ` ${f.fieldPath}` : ''}`;
    return `${f.severity} ${f.kind} ${f.type} ${f.path ?? '-'}${who}`;
  });
}
