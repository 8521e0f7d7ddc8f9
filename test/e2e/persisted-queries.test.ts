import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import { manifestOperation, manifestText, type ManifestEntry } from '../support/manifests.ts';
import { startRedis, type RunningRedis } from '../support/redis.ts';
import { useSharedGraph } from '../support/graph.ts';
import { logEvents } from '../support/log-events.ts';
import { gatewayConfigFor, postGraphQL, tokenFor } from '../support/system.ts';
import { waitFor } from '../support/wait.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const FEATURED = 'query Featured { featuredProducts { id name } }';

const graph = useSharedGraph();
const gateway = (overrides: Record<string, unknown>) => graph.gateway(overrides);

function codeOf(body: { errors?: { extensions?: Record<string, unknown> }[] }): unknown {
  return body.errors?.[0]?.extensions?.['code'];
}

async function getGraphQL(url: string, params: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}?${new URLSearchParams(params)}`, { headers: { 'apollo-require-preflight': 'true', ...headers } });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { data?: Record<string, unknown>; errors?: { extensions?: Record<string, unknown> }[] } };
}

describe('apq mode (web default)', () => {
  let web: RunningGateway;
  before(async () => {
    web = await gateway({});
  });

  it('answers an unknown hash with PERSISTED_QUERY_NOT_FOUND and HTTP 200, so the client resends the body', async () => {
    const r = await postGraphQL(web.url, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(FEATURED) } } });
    assert.equal(r.status, 200);
    assert.equal(codeOf(r.body), 'PERSISTED_QUERY_NOT_FOUND');
    assert.equal('data' in r.body, false);
  });

  it('registers hash + body, then serves the hash alone, over POST and GET', async () => {
    const registered = await postGraphQL(web.url, { query: FEATURED, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(FEATURED) } } });
    assert.equal((registered.body.data?.['featuredProducts'] as unknown[]).length, 12);
    const byHash = await postGraphQL(web.url, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(FEATURED) } } });
    assert.equal((byHash.body.data?.['featuredProducts'] as unknown[]).length, 12);
    const byGet = await getGraphQL(web.url, { extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: sha256(FEATURED) } }) });
    assert.equal(byGet.status, 200);
    assert.equal((byGet.body.data?.['featuredProducts'] as unknown[]).length, 12);
  });

  it('refuses a body that does not hash to the id sent with it', async () => {
    const r = await postGraphQL(web.url, { query: FEATURED, extensions: { persistedQuery: { version: 1, sha256Hash: sha256('something else') } } });
    assert.equal(r.status, 400);
    assert.equal(codeOf(r.body), 'PERSISTED_QUERY_HASH_MISMATCH');
  });

  it('does not register an operation refused as too expensive: its hash alone stays unknown', async () => {
    const g = await gateway({ cost: { maxCost: 200, budget: { maximumAvailable: 200 } } });
    const expensive = '{ searchProducts(first: 100) { nodes { name price { effectivePrice { formatted } } } } }'; // 10 + 1 + 100 × 8
    const apq = (query: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } });
    const refused = await postGraphQL(g.url, { query: expensive, ...apq(expensive) });
    assert.equal(codeOf(refused.body), 'COST_ESTIMATED_TOO_EXPENSIVE');
    assert.equal(codeOf((await postGraphQL(g.url, apq(expensive))).body), 'PERSISTED_QUERY_NOT_FOUND');

    // The same gateway registers what it admits.
    await postGraphQL(g.url, { query: FEATURED, ...apq(FEATURED) });
    assert.equal((await postGraphQL(g.url, apq(FEATURED))).body.errors, undefined);
  });

  it('runs a manifest operation by GraphQL-over-HTTP documentId: POST body, POST URL and GET', async () => {
    const op = manifestOperation('web', 'FrontPage');
    const token = await tokenFor('user-0001');
    const inBody = await postGraphQL(web.url, { documentId: `sha256:${op.id}` }, { token });
    assert.equal(inBody.body.errors, undefined, JSON.stringify(inBody.body.errors));
    assert.equal((inBody.body.data?.['me'] as { id: string }).id, 'user-0001');
    const inUrl = await postGraphQL(`${web.url}?documentId=sha256:${op.id}`, {}, { token });
    assert.equal((inUrl.body.data?.['me'] as { id: string }).id, 'user-0001');
    const byGet = await getGraphQL(web.url, { documentId: `sha256:${op.id}` }, { authorization: `Bearer ${token}` });
    assert.equal((byGet.body.data?.['me'] as { id: string }).id, 'user-0001');
  });

  it("answers a GET of a public query with Cache-Control from the subgraphs' cache hints, so a CDN can cache it", async () => {
    const op = manifestOperation('web', 'ProductPage');
    const r = await getGraphQL(web.url, { documentId: `sha256:${op.id}`, variables: JSON.stringify({ id: 'prod-00042' }) });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'max-age=60, public');
  });

  it('never lets a shared cache keep per-user data or a persisted-query error', async () => {
    const frontPage = manifestOperation('web', 'FrontPage');
    const personal = await getGraphQL(web.url, { documentId: `sha256:${frontPage.id}` }, { authorization: `Bearer ${await tokenFor('user-0001')}` });
    assert.equal(personal.headers.get('cache-control'), 'no-store');
    const miss = await getGraphQL(web.url, { extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: sha256('query Nope { categories { id } }') } }) });
    assert.equal(miss.headers.get('cache-control'), 'private, no-cache, must-revalidate');
  });

  it('refuses a documentId sent with a query body', async () => {
    const op = manifestOperation('web', 'FrontPage');
    const r = await postGraphQL(web.url, { documentId: `sha256:${op.id}`, query: op.body });
    assert.equal(r.status, 400);
    assert.equal(codeOf(r.body), 'CANNOT_SEND_PQ_ID_AND_BODY');
    assert.equal('data' in r.body, false);
  });

  it('refuses a mutation by documentId over GET with 405', async () => {
    const op = manifestOperation('web', 'AddToCart');
    const r = await getGraphQL(web.url, { documentId: `sha256:${op.id}`, variables: JSON.stringify({ productId: 'prod-00001' }) });
    assert.equal(r.status, 405);
    assert.equal('data' in r.body, false);
  });
});

describe('require-id mode (mobile default)', () => {
  let mobile: RunningGateway;
  before(async () => {
    mobile = await gateway({ profile: 'mobile' });
  });

  it('runs a listed operation by documentId and by APQ hash', async () => {
    const op = manifestOperation('mobile', 'ProductPage');
    const variables = { id: 'prod-00042' };
    const byDocumentId = await postGraphQL(mobile.url, { documentId: `sha256:${op.id}`, variables });
    assert.equal(byDocumentId.body.errors, undefined, JSON.stringify(byDocumentId.body.errors));
    const byApq = await postGraphQL(mobile.url, { variables, extensions: { persistedQuery: { version: 1, sha256Hash: op.id } } });
    assert.deepEqual(byApq.body.data, byDocumentId.body.data);
  });

  it('refuses a free-form body with PERSISTED_QUERY_ID_REQUIRED, before parsing it', async () => {
    const r = await postGraphQL(mobile.url, { query: '{ this is not even GraphQL' });
    assert.equal(r.status, 400);
    assert.equal(codeOf(r.body), 'PERSISTED_QUERY_ID_REQUIRED');
  });

  it('refuses an unknown id with PERSISTED_QUERY_NOT_IN_LIST, and APQ registration cannot add it', async () => {
    const unknown = await postGraphQL(mobile.url, { documentId: `sha256:${sha256(FEATURED)}` });
    assert.equal(unknown.status, 400);
    assert.equal(codeOf(unknown.body), 'PERSISTED_QUERY_NOT_IN_LIST');
    await postGraphQL(mobile.url, { query: FEATURED, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(FEATURED) } } });
    const again = await postGraphQL(mobile.url, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(FEATURED) } } });
    assert.equal(codeOf(again.body), 'PERSISTED_QUERY_NOT_IN_LIST');
  });
});

describe('safelist mode', () => {
  let safelist: RunningGateway;
  before(async () => {
    safelist = await gateway({ persistedQueries: { mode: 'safelist' } });
  });

  it('runs a body that is exactly a manifest operation, and refuses any other body', async () => {
    const op = manifestOperation('web', 'ProductPage');
    const listed = await postGraphQL(safelist.url, { query: op.body, variables: { id: 'prod-00001' } });
    assert.equal(listed.body.errors, undefined, JSON.stringify(listed.body.errors));
    const other = await postGraphQL(safelist.url, { query: FEATURED });
    assert.equal(other.status, 400);
    assert.equal(codeOf(other.body), 'PERSISTED_QUERY_NOT_IN_LIST');
    assert.equal('data' in other.body, false);
  });
});

describe('audit mode', () => {
  it('runs unknown operations but counts them', async () => {
    const audit = await gateway({ persistedQueries: { mode: 'audit' } });
    const r = await postGraphQL(audit.url, { query: FEATURED }, { headers: { 'apollographql-client-name': 'partner-app' } });
    assert.equal((r.body.data?.['featuredProducts'] as unknown[]).length, 12);
    const metrics = await (await fetch(audit.url.replace('/graphql', '/metrics'))).text();
    assert.match(metrics, /storefront_gateway_persisted_queries_total\{outcome="audit-unknown",profile="web"\} 1/);
  });
});

describe('manifests', () => {
  it('loads extra manifests at start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pq-'));
    const extra: ManifestEntry = { id: sha256(FEATURED), name: 'Featured', type: 'query', body: FEATURED };
    writeFileSync(join(dir, 'extra.json'), manifestText([extra]));
    const g = await gateway({ persistedQueries: { mode: 'safelist', extraManifests: [join(dir, 'extra.json')] } });
    const r = await postGraphQL(g.url, { documentId: `sha256:${extra.id}` });
    assert.equal((r.body.data?.['featuredProducts'] as unknown[]).length, 12);
  });

  it('reloads a changed manifest without a restart, and keeps the previous one when the new one is malformed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pq-'));
    const path = join(dir, 'manifest.json');
    writeFileSync(path, manifestText([manifestOperation('web', 'ProductPage')]));
    const logs = logEvents();
    const g = await startGateway(gatewayConfigFor(graph.subgraphs, { persistedQueries: { mode: 'safelist', manifestPath: path } }), logs.logger);
    try {
      const featured: ManifestEntry = { id: sha256(FEATURED), name: 'Featured', type: 'query', body: FEATURED };
      const run = () => postGraphQL(g.url, { documentId: `sha256:${featured.id}` });
      assert.equal(codeOf((await run()).body), 'PERSISTED_QUERY_NOT_IN_LIST');

      const reloaded = logs.next('persisted-query manifests reloaded');
      writeFileSync(path, manifestText([manifestOperation('web', 'ProductPage'), featured]));
      await reloaded;
      assert.equal(((await run()).body.data?.['featuredProducts'] as unknown[]).length, 12);

      // The reload of the malformed file is attempted and refused: only then is "still in force" a finding.
      const refused = logs.next('persisted-query manifest rejected; keeping the previous one');
      writeFileSync(path, '{"format": "apollo-persisted-query-manifest", "version": 2, "operations": "nope"}');
      await refused;
      assert.equal(((await run()).body.data?.['featuredProducts'] as unknown[]).length, 12, 'the previous manifest stays in force');
    } finally {
      await g.stop();
    }
  });

  it('serves the operations of every shipped release (persisted-queries/releases/<profile>), so old app versions keep working', async () => {
    const release = JSON.parse(readFileSync(new URL('../../persisted-queries/releases/mobile/4.11.0.json', import.meta.url), 'utf8')) as { operations: ManifestEntry[] };
    const old = release.operations.find((o) => o.name === 'ProductPage')!;
    assert.notEqual(old.id, manifestOperation('mobile', 'ProductPage').id, 'the release predates the current ProductPage');
    const mobile = await gateway({ profile: 'mobile' });
    const r = await postGraphQL(mobile.url, { documentId: `sha256:${old.id}`, variables: { id: 'prod-00042' } });
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    assert.equal((r.body.data?.['product'] as { sku: string }).sku.length > 0, true);

    const withoutReleases = await gateway({ profile: 'mobile', persistedQueries: { releasesDir: null } });
    const refused = await postGraphQL(withoutReleases.url, { documentId: `sha256:${old.id}`, variables: { id: 'prod-00042' } });
    assert.equal(codeOf(refused.body), 'PERSISTED_QUERY_NOT_IN_LIST');
  });

  it('refuses to start when a configured releases directory cannot be read', async () => {
    await assert.rejects(gateway({ profile: 'mobile', persistedQueries: { releasesDir: join(tmpdir(), 'no-such-releases-dir') } }), /no-such-releases-dir[\s\S]*cannot read the directory \(ENOENT\)/);
  });

  it('serves a release recorded while it runs, without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'releases-'));
    const featured: ManifestEntry = { id: sha256(FEATURED), name: 'Featured', type: 'query', body: FEATURED };
    const mobile = await gateway({ profile: 'mobile', persistedQueries: { releasesDir: dir } });
    const run = () => postGraphQL(mobile.url, { documentId: `sha256:${featured.id}` });
    assert.equal(codeOf((await run()).body), 'PERSISTED_QUERY_NOT_IN_LIST');
    writeFileSync(join(dir, '5.0.0.json'), manifestText([featured]));
    await waitFor(async () => (await run()).body.data !== undefined);
    assert.equal(((await run()).body.data?.['featuredProducts'] as unknown[]).length, 12);
  });

  it('refuses to start when a configured manifest is malformed, naming the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pq-'));
    const path = join(dir, 'bad.json');
    writeFileSync(path, manifestText([{ id: 'f'.repeat(64), name: 'X', type: 'query', body: FEATURED }]));
    await assert.rejects(gateway({ persistedQueries: { mode: 'safelist', manifestPath: path } }), /id/);
  });
});

describe('APQ in Redis', () => {
  let redis: RunningRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis?.stop());

  it('is shared by two gateway replicas: registered on one, served by the other', async () => {
    const query = 'query Categories { categories { id name } }';
    const a = await gateway({ persistedQueries: { apq: { redisUrl: redis.url } } });
    const b = await gateway({ persistedQueries: { apq: { redisUrl: redis.url } } });
    const hash = sha256(query);
    await waitFor(async () => (await postGraphQL(a.url, { query, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } })).body.data !== undefined);
    const onB = await postGraphQL(b.url, { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    assert.equal(onB.body.errors, undefined, JSON.stringify(onB.body.errors));
    assert.ok((onB.body.data?.['categories'] as unknown[]).length > 0);
  });
});

