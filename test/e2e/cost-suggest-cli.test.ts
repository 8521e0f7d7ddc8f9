import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parseGatewayConfig } from '../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import { startNestedGraph, type NestedGraph } from '../support/nested-graph.ts';
import { postGraphQL, silentLogger } from '../support/system.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/nested-graph', import.meta.url));

let graph: NestedGraph;
let gateway: RunningGateway;
let dir: string;
let roverConfig: string;

before(async () => {
  graph = await startNestedGraph();
  gateway = await startGateway(parseGatewayConfig({ port: 0, logLevel: 'silent', watchSupergraph: false, supergraphPath: graph.supergraphPath, subgraphUrls: graph.subgraphUrls }), silentLogger);
  dir = mkdtempSync(join(tmpdir(), 'cost-suggest-'));
  roverConfig = join(dir, 'rover.yaml');
  writeFileSync(
    roverConfig,
    `federation_version: =2.14.4
subgraphs:
  library: { routing_url: "${graph.subgraphUrls.library}", schema: { file: ${join(FIXTURES, 'library.graphql')} } }
  reviews: { routing_url: "${graph.subgraphUrls.reviews}", schema: { file: ${join(FIXTURES, 'reviews.graphql')} } }
`,
  );
});
after(async () => {
  await gateway?.stop();
  await graph?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function costSuggest(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '--silent', 'cost:suggest', '--', ...args], { cwd: REPO, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('npm run cost:suggest', () => {
  it('prints @listSize annotations per subgraph from the list sizes a gateway returned (its /metrics)', async () => {
    // 3 authors × 5 books, 2 editions and 3 reviews each; similar(limit: 2) per book
    const response = await postGraphQL(gateway.url, { query: '{ authors(first: 3) { books { editions { format } reviews { stars } similar(limit: 2) { title } } } }' });
    assert.equal(response.status, 200, JSON.stringify(response.body.errors));

    const { code, stdout, stderr } = await costSuggest('--metrics', gateway.url.replace('/graphql', '/metrics'), '--config', roverConfig);
    assert.equal(code, 0, stderr);
    const line = (coordinate: string) => stdout.split('\n').find((l) => l.startsWith(`${coordinate} `))?.replace(/ +/g, ' ');
    assert.equal(line('Query.authors'), 'Query.authors @listSize(slicingArguments: ["first"], assumedSize: 3, requireOneSlicingArgument: false) # p99 3 of 1 lists; none today');
    assert.equal(line('Author.books'), 'Author.books @listSize(assumedSize: 5) # p99 5 of 3 lists; none today');
    assert.equal(line('Book.editions'), 'Book.editions @listSize(assumedSize: 2) # p99 2 of 15 lists; none today');
    assert.equal(line('Book.similar'), 'Book.similar @listSize(slicingArguments: ["limit"], assumedSize: 2, requireOneSlicingArgument: false) # p99 2 of 15 lists; none today');
    assert.equal(line('Book.reviews'), 'Book.reviews @listSize(slicingArguments: ["last"], assumedSize: 3, requireOneSlicingArgument: false) # p99 3 of 15 lists; none today');

    // Each annotation goes to the subgraph that resolves the field; @external fields are not its to size.
    const [library, reviews] = stdout.split('\n\n');
    assert.match(library!, /^# library \(.*library\.graphql\)/);
    assert.match(reviews!, /^# reviews \(.*reviews\.graphql\)/);
    assert.match(reviews!, /^Book\.reviews /m);
    assert.doesNotMatch(reviews!, /Book\.editions/);
    assert.match(library!, /^# no @listSize and not observed yet: Query\.shelves, Shelf\.books$/m);
    assert.match(reviews!, /^# no @listSize and not observed yet: Review\.tags$/m);
  });

  it('refuses to run without a source of observations, and says why (exit 2)', async () => {
    const { code, stderr } = await costSuggest('--config', roverConfig);
    assert.equal(code, 2);
    assert.match(stderr, /--metrics: expected a \/metrics URL or a file/);
  });

  it('names an unreadable source (exit 2)', async () => {
    const { code, stderr } = await costSuggest('--metrics', join(dir, 'missing.txt'), '--config', roverConfig);
    assert.equal(code, 2);
    assert.match(stderr, /missing\.txt: cannot be read \(ENOENT\)/);
  });
});
