import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../common/config.ts';
import { composeSupergraph, formatSdlLocation } from '../../schema/compose.ts';
import { loadRoverConfig } from '../../schema/rover-config.ts';

const ROVER = new URL('../../rover.yaml', import.meta.url).pathname;
const SUPERGRAPH = new URL('../../schema/supergraph.graphql', import.meta.url).pathname;

describe('composition', () => {
  it('the committed supergraph is what rover.yaml composes to now (run `npm run compose` if this fails)', () => {
    const outcome = composeSupergraph(loadRoverConfig(ROVER));
    assert.ok(outcome.ok, JSON.stringify(!outcome.ok && outcome.errors));
    // A boolean, not assert.equal: a diff of two whole supergraphs helps nobody.
    assert.ok(outcome.supergraphSdl === readFileSync(SUPERGRAPH, 'utf8'), 'schema/supergraph.graphql is stale: run `npm run compose` and commit it');
  });

  it('composes all five subgraphs with their routing URLs', () => {
    const sources = loadRoverConfig(ROVER);
    assert.deepEqual(sources.map((s) => s.name), ['user', 'catalog', 'cart', 'pricing', 'promotions']);
    const supergraph = readFileSync(SUPERGRAPH, 'utf8');
    for (const s of sources) assert.ok(supergraph.includes(`url: "${s.routingUrl}"`), s.name);
  });

  it('reports a conflict between two subgraphs with its composition code', () => {
    const sources = loadRoverConfig(ROVER).map((s) =>
      s.name === 'pricing' ? { ...s, sdl: s.sdl.replace('amountCents: Int!', 'amountCents: String!') + '\ntype Image { url: Int! }\n' } : s,
    );
    const outcome = composeSupergraph(sources);
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok && outcome.errors.some((e) => e.code === 'FIELD_TYPE_MISMATCH' || e.code === 'INVALID_FIELD_SHARING'), JSON.stringify(!outcome.ok && outcome.errors.map((e) => e.code)));
  });

  it('reports unparsable SDL as INVALID_GRAPHQL with the file and line', () => {
    const sources = loadRoverConfig(ROVER).map((s) => (s.name === 'catalog' ? { ...s, sdl: 'type Product {\n  id: ID!\n  name: \n}' } : s));
    const outcome = composeSupergraph(sources);
    assert.ok(!outcome.ok);
    assert.equal(outcome.errors[0]!.code, 'INVALID_GRAPHQL');
    assert.match(formatSdlLocation(outcome.errors[0]!.locations[0]!), /catalog\/schema\.graphql:4:1$/);
  });

  it('validates rover.yaml and names every problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rover-'));
    const path = join(dir, 'rover.yaml');
    writeFileSync(path, 'federation_version: 1\nsubgraphs:\n  a:\n    routing_url: nope\n    schema:\n      file: ./missing.graphql\n      subgraph_url: http://x\n');
    assert.throws(() => loadRoverConfig(path), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.ok(error.problems.some((p) => p.startsWith('federation_version')), error.message);
      assert.ok(error.problems.some((p) => p.startsWith('subgraphs.a.routing_url')), error.message);
      assert.ok(error.problems.some((p) => p.includes('"subgraph_url"')), error.message);
      return true;
    });
    writeFileSync(path, 'subgraphs:\n  a:\n    routing_url: http://localhost:1/graphql\n    schema:\n      file: ./missing.graphql\n');
    assert.throws(() => loadRoverConfig(path), /subgraphs\.a\.schema\.file: cannot read \.\/missing\.graphql \(ENOENT\)/);
    writeFileSync(path, 'subgraphs: [unclosed');
    assert.throws(() => loadRoverConfig(path), /not valid YAML/);
  });
});
