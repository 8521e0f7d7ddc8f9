import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../common/config.ts';
import { applyApprovals, approvalsFromFlags, readApprovalsFile } from '../../schema/check/approvals.ts';
import { loadBaseSupergraph, loadMaxCosts, loadOperationSets, loadProposedSubgraphs } from '../../schema/check/inputs.ts';
import type { SchemaChange } from '../../schema/check/types.ts';
import { REPO, ROVER } from '../support/schema-check.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'schema-check-inputs-'));

/** Asserts a ConfigError (the CLI's exit 2) whose problems match `pattern`. */
function assertInputError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.match(error.problems.join('\n'), pattern);
    return true;
  });
}

function operationsCopy(): string {
  const dir = join(tempDir(), 'pq');
  cpSync(join(REPO, 'persisted-queries'), dir, { recursive: true });
  return dir;
}

describe('schema:check inputs', () => {
  it('replaces one subgraph by --name/--schema and keeps the others', () => {
    const file = join(tempDir(), 'catalog.graphql');
    writeFileSync(file, 'type Query { hello: String }');
    const subgraphs = loadProposedSubgraphs(ROVER, { name: 'catalog', schemaPath: file });
    assert.deepEqual(subgraphs.map((s) => s.name), ['user', 'catalog', 'cart', 'pricing', 'promotions']);
    assert.equal(subgraphs[1]!.sdl, 'type Query { hello: String }');
  });

  it('refuses a missing rover.yaml', () => assertInputError(() => loadProposedSubgraphs(join(tempDir(), 'rover.yaml')), /rover\.yaml: cannot be read \(ENOENT\)/));

  it('reads the base at a git ref, and refuses refs that do not exist or look like options', () => {
    assert.match(loadBaseSupergraph('schema/supergraph.graphql', 'HEAD').sdl, /join__Graph/);
    assertInputError(() => loadBaseSupergraph('schema/supergraph.graphql', 'no-such-branch-xyz'), /--base: cannot read schema\/supergraph\.graphql at "no-such-branch-xyz"/);
    assertInputError(() => loadBaseSupergraph('schema/supergraph.graphql', '--output=/tmp/x'), /--base: expected a git ref such as origin\/main/);
    assertInputError(() => loadBaseSupergraph('schema/supergraph.graphql', 'main;rm -rf /'), /--base: expected a git ref/);
    assertInputError(() => loadBaseSupergraph(join(tempDir(), 'none.graphql'), undefined), /none\.graphql: cannot be read \(ENOENT\)/);
  });

  it('loads current manifests and shipped releases, oldest release first', () => {
    const dir = operationsCopy();
    writeFileSync(join(dir, 'releases/mobile/4.9.0.json'), '{"format": "apollo-persisted-query-manifest", "version": 1, "operations": []}');
    const sets = loadOperationSets(dir);
    assert.deepEqual(sets.releases, ['mobile@4.9.0', 'mobile@4.11.0', 'mobile@4.12.0']);
    assert.deepEqual(sets.clients, ['web', 'mobile']);
  });

  it('refuses a malformed release manifest, naming the file and the problem', () => {
    const dir = operationsCopy();
    writeFileSync(join(dir, 'releases/mobile/4.13.0.json'), '{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": "x"}]}');
    assertInputError(() => loadOperationSets(dir), /4\.13\.0\.json: operations\.0/);
  });

  it('refuses a release manifest that is not JSON', () => {
    const dir = operationsCopy();
    writeFileSync(join(dir, 'releases/mobile/4.13.0.json'), '{ not json');
    assertInputError(() => loadOperationSets(dir), /4\.13\.0\.json/);
  });

  it('refuses releases of a client that has no gateway profile', () => {
    const dir = operationsCopy();
    cpSync(join(dir, 'releases/mobile'), join(dir, 'releases/tv'), { recursive: true });
    assertInputError(() => loadOperationSets(dir), /releases\/tv: no gateway profile named "tv"/);
  });

  it('reads each client\'s maxCost from its profile, or from the gateway config file it runs with', () => {
    const file = join(tempDir(), 'mobile.json');
    writeFileSync(file, JSON.stringify({ cost: { maxCost: 800 } }));
    const maxCost = loadMaxCosts([`mobile=${file}`]);
    assert.equal(maxCost('mobile'), 800);
    assert.equal(maxCost('web'), 20_000);
    assertInputError(() => loadMaxCosts(['tv=x.json']), /--gateway-config: expected <client>=<file\.json>/);
    writeFileSync(file, JSON.stringify({ cost: { maxCots: 800 } }));
    assert.throws(() => loadMaxCosts([`mobile=${file}`]), /maxCots/);
  });
});

describe('schema:check approvals', () => {
  it('reads an approvals file; a missing default file means none', () => {
    const file = join(tempDir(), 'approvals.yaml');
    writeFileSync(file, 'approvals:\n  - path: Product.brand\n    type: FIELD_REMOVED\n    reason: agreed with the mobile team\n');
    assert.deepEqual(readApprovalsFile(file, true), [{ path: 'Product.brand', type: 'FIELD_REMOVED', reason: 'agreed with the mobile team', source: file }]);
    assert.deepEqual(readApprovalsFile(join(tempDir(), 'none.yaml'), false), []);
    assertInputError(() => readApprovalsFile(join(tempDir(), 'none.yaml'), true), /none\.yaml: cannot be read \(ENOENT\)/);
  });

  it('refuses entries without a reason, with a bad path, or with unknown keys, listing every problem', () => {
    const file = join(tempDir(), 'approvals.yaml');
    writeFileSync(file, 'approvals:\n  - path: "Product brand"\n    reasn: typo\n');
    assertInputError(() => readApprovalsFile(file, true), /approvals\.0\.path: expected a schema coordinate[\s\S]*approvals\.0\.reason[\s\S]*reasn/);
    writeFileSync(file, 'approvals: [unclosed');
    assertInputError(() => readApprovalsFile(file, true), /is not valid YAML/);
    assertInputError(() => approvalsFromFlags(['Product.brand', '../etc']), /--approve: expected a schema coordinate.*"\.\.\/etc"/);
  });

  const change = (path: string, severity: SchemaChange['severity'] = 'BREAKING'): SchemaChange => ({ kind: 'schema', severity, type: 'FIELD_REMOVED', path, message: '', reason: '' });

  it('covers the path and what is below it, optionally only one change type, and only BREAKING findings', () => {
    const [approval] = approvalsFromFlags(['Product']);
    const { remaining, approved } = applyApprovals([change('Product.brand'), change('Productive.x'), change('Product.sku', 'DANGEROUS')], [approval!]);
    assert.deepEqual(approved.map((a) => a.finding.path), ['Product.brand']);
    assert.deepEqual(remaining.map((f) => f.path), ['Productive.x', 'Product.sku']);
    const typed = { ...approval!, type: 'FIELD_TYPE_CHANGED' };
    assert.equal(applyApprovals([change('Product.brand')], [typed]).approved.length, 0);
  });
});
