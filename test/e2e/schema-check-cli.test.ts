import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO } from '../support/schema-check.ts';

/** `npm run schema:check` as CI runs it: a real process, real files, its exit code and output. */
function schemaCheck(args: readonly string[], cwd: string = REPO): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO, 'schema/check/cli.ts'), ...args], { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** A copy of rover.yaml and the subgraph schemas in a temporary directory, with `edit` applied to one subgraph's SDL. */
function workspaceWith(subgraph: string, edit: (sdl: string) => string): { dir: string; schemaFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'schema-check-'));
  cpSync(join(REPO, 'rover.yaml'), join(dir, 'rover.yaml'));
  cpSync(join(REPO, 'schema/supergraph.graphql'), join(dir, 'schema/supergraph.graphql'), { recursive: true });
  cpSync(join(REPO, 'persisted-queries'), join(dir, 'persisted-queries'), { recursive: true });
  for (const name of ['user', 'catalog', 'cart', 'pricing', 'promotions']) {
    cpSync(join(REPO, 'subgraphs', name, 'schema.graphql'), join(dir, 'subgraphs', name, 'schema.graphql'), { recursive: true });
  }
  const schemaFile = join(dir, 'subgraphs', subgraph, 'schema.graphql');
  const before = readFileSync(schemaFile, 'utf8');
  const after = edit(before);
  assert.notEqual(after, before, 'the fixture edit must change the SDL');
  writeFileSync(schemaFile, after);
  return { dir, schemaFile };
}

const removeStartsAt = (sdl: string) => sdl.replace('  startsAt: DateTime!\n', '');

describe('npm run schema:check', { concurrency: 2 }, () => {
  it('passes on the repository as committed (what .ci/run runs), exit 0', async () => {
    const r = await schemaCheck([]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Persisted operations: 31 from clients web, mobile; shipped releases mobile@4\.11\.0, mobile@4\.12\.0/);
    assert.match(r.stdout, /Result: PASS/);
  });

  it('--help prints the usage and exits 0', async () => {
    const r = await schemaCheck(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Exit codes: 0 pass, 1 a check failed/);
  });

  it('fails with exit 1 and a human report grouped by severity on a breaking change in rover.yaml\'s subgraphs', async () => {
    const { dir } = workspaceWith('promotions', removeStartsAt);
    const r = await schemaCheck([], dir);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /BREAKING \(1\)\n {2}schema {4}FIELD_REMOVED +Promotion\.startsAt: Field 'startsAt' was removed from object type 'Promotion' — operations selecting it stop validating\n {6}at subgraphs\/promotions\/schema\.graphql:\d+/);
    assert.match(r.stdout, /Result: FAIL \(1 breaking, 0 dangerous, 0 safe, 0 approved\)/);
  });

  it('--name/--schema checks one subgraph SDL file, as `rover subgraph check` does', async () => {
    const { schemaFile } = workspaceWith('promotions', removeStartsAt);
    const r = await schemaCheck(['--name', 'promotions', '--schema', schemaFile]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /FIELD_REMOVED +Promotion\.startsAt/);
  });

  it('--format json prints the whole report for machines', async () => {
    const { dir } = workspaceWith('promotions', (sdl) => sdl.replace('discountPercent: Int!', 'discountPercent: String!'));
    const r = await schemaCheck(['--format', 'json'], dir);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { verdict: string; findings: { kind: string; type: string; client?: string; release?: string | null; operation?: string; fieldPath?: string }[] };
    assert.equal(report.verdict, 'fail');
    assert.ok(report.findings.some((f) => f.kind === 'operation' && f.type === 'TYPE_CHANGED' && f.client === 'mobile' && f.release === '4.11.0' && f.operation === 'ProductPage' && f.fieldPath === 'product.promotions.discountPercent'));
  });

  it('--format github prints Actions annotations at the subgraph SDL line, then the report', async () => {
    const { dir, schemaFile } = workspaceWith('catalog', (sdl) => sdl.replace('  LARGE\n', '  LARGE\n  HUGE\n'));
    const r = await schemaCheck(['--format', 'github'], dir);
    assert.equal(r.code, 0, r.stderr);
    const line = readFileSync(schemaFile, 'utf8').split('\n').indexOf('  HUGE') + 1;
    assert.ok(r.stdout.split('\n').includes(`::warning file=subgraphs/catalog/schema.graphql,line=${line},title=DANGEROUS ENUM_VALUE_ADDED%3A ImageSize.HUGE::Enum value 'HUGE' was added to enum 'ImageSize' (Adding an enum value may break existing clients that were not programming defensively against an added case when querying an enum)`), r.stdout);
    assert.match(r.stdout, /^::warning file=persisted-queries\/web\/ProductPage\.graphql,line=\d+,title=DANGEROUS ENUM_VALUE_ADDED%3A web ProductPage \(product\.images\.size\)::/m);
    assert.match(r.stdout, /Result: PASS/);
  });

  it('--approve accepts a breaking change explicitly and the report says so', async () => {
    const { dir } = workspaceWith('promotions', removeStartsAt);
    const r = await schemaCheck(['--approve', 'Promotion.startsAt'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /APPROVED BREAKING \(1\)\n.*Promotion\.startsAt.*\n\s+approved for Promotion\.startsAt by --approve: approved on the command line \(--approve\)/);
  });

  it('an approvals file (schema/approved-changes.yaml) accepts a listed change with its reason', async () => {
    const { dir } = workspaceWith('promotions', removeStartsAt);
    writeFileSync(join(dir, 'schema/approved-changes.yaml'), 'approvals:\n  - path: Promotion.startsAt\n    type: FIELD_REMOVED\n    reason: no client ever selected it (agreed in PR 123)\n');
    const r = await schemaCheck(['--format', 'github'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^::notice file=subgraphs\/promotions\/schema\.graphql,line=\d+,title=Approved FIELD_REMOVED%3A Promotion\.startsAt::.*Approved by schema\/approved-changes\.yaml: no client ever selected it \(agreed in PR 123\)$/m);
  });

  it('--base <ref> compares with the supergraph at a git ref', async () => {
    const r = await schemaCheck(['--base', 'HEAD']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Schema check against schema\/supergraph\.graphql at HEAD/);
  });
});

describe('npm run schema:check with bad input: exit 2 and a message naming the problem', { concurrency: 4 }, () => {
  const cases: { name: string; args: (dir: string) => string[]; message: RegExp; setup?: (dir: string) => void }[] = [
    { name: 'a missing schema file', args: () => ['--name', 'catalog', '--schema', 'no/such/file.graphql'], message: /--schema no\/such\/file\.graphql: cannot be read \(ENOENT\)/ },
    {
      name: 'malformed SDL',
      setup: (dir) => writeFileSync(join(dir, 'bad.graphql'), 'type Product {\n  id: ID!\n  name String\n}\n'),
      args: (dir) => ['--name', 'catalog', '--schema', join(dir, 'bad.graphql')],
      message: /bad\.graphql:3:8: subgraph catalog is not valid GraphQL SDL: Syntax Error: Expected ":", found Name "String"\./,
    },
    { name: 'an unknown subgraph name', args: () => ['--name', 'inventory', '--schema', 'subgraphs/catalog/schema.graphql'], message: /--name: no subgraph "inventory" in rover\.yaml \(it names user, catalog, cart, pricing, promotions\)/ },
    { name: '--name without --schema', args: () => ['--name', 'catalog'], message: /--name and --schema go together/ },
    { name: 'an unknown format', args: () => ['--format', 'xml'], message: /--format: expected text, json or github, received "xml"/ },
    { name: 'an unknown flag', args: () => ['--fail-on-breaking'], message: /Unknown option '--fail-on-breaking'/ },
    { name: 'a negative cost growth', args: () => ['--cost-growth-percent=-5'], message: /--cost-growth-percent: expected a number of percent such as 25, received "-5"/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'schema-check-bad-'));
      c.setup?.(dir);
      const r = await schemaCheck(c.args(dir));
      assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, c.message);
      assert.doesNotMatch(r.stderr, /\n\s+at .*\.ts:\d+:\d+/, 'no stack trace');
    });
  }

  it('--format json prints input errors as JSON too', async () => {
    const r = await schemaCheck(['--format', 'json', '--name', 'inventory', '--schema', 'x.graphql']);
    assert.equal(r.code, 2);
    const body = JSON.parse(r.stdout) as { verdict: string; problems: string[] };
    assert.equal(body.verdict, 'error');
    assert.match(body.problems[0]!, /no subgraph "inventory"/);
  });
});
