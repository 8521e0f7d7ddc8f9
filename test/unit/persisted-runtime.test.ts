import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, validateConfig } from '../../common/config.ts';
import { ErrorCode } from '../../common/errors.ts';
import { createLogger } from '../../common/logger.ts';
import { MemoryApqStore } from '../../gateway/admission/persisted-queries/apq-store.ts';
import { persistedQueriesConfigSchema, resolvePersistedQueriesConfig } from '../../gateway/admission/persisted-queries/config.ts';
import type { PersistedQueryMode } from '../../gateway/admission/persisted-queries/decide.ts';
import { hashOperation, type PersistedQueryManifest } from '../../gateway/admission/persisted-queries/manifest.ts';
import { startPersistedQueries, type HandledRequest } from '../../gateway/admission/persisted-queries/runtime.ts';
import { operation } from '../support/operations.ts';

const silentLogger = createLogger('test', 'silent');
const ROOT = new URL('../../', import.meta.url).pathname;
const manifestOf = (client: string) => JSON.parse(readFileSync(`${ROOT}persisted-queries/manifests/${client}.json`, 'utf8')) as PersistedQueryManifest;
const idOf = (client: string, name: string) => manifestOf(client).operations.find((o) => o.name === name)!.id;

const parse = (input: unknown) => validateConfig(persistedQueriesConfigSchema, input, 'persistedQueries');

async function profile(name: 'web' | 'mobile', mode?: PersistedQueryMode, onApqLookup?: (hit: boolean) => void) {
  const config = resolvePersistedQueriesConfig(name, parse({ ...(mode ? { mode } : {}), manifestPath: `${ROOT}persisted-queries/manifests/${name}.json`, watchManifests: false }));
  return startPersistedQueries(config, silentLogger, onApqLookup);
}

function codeOf(handled: HandledRequest): string {
  return handled.kind === 'reject' ? `${handled.code} ${handled.status}` : `allow ${handled.outcome.via}`;
}

describe('persisted-query config', () => {
  it('defaults web to apq and mobile to require-id, each with its own manifest', () => {
    assert.deepEqual(resolvePersistedQueriesConfig('web', parse({})), {
      mode: 'apq',
      manifestPaths: ['persisted-queries/manifests/web.json'],
      watchManifests: true,
      apq: { ttlSeconds: 86_400, maxEntries: 10_000, maxBytes: 32 * 1024 * 1024, redisKeyPrefix: 'apq:', redisCommandTimeoutMs: 500 },
    });
    assert.equal(resolvePersistedQueriesConfig('mobile', parse({})).mode, 'require-id');
    assert.deepEqual(resolvePersistedQueriesConfig('mobile', parse({})).manifestPaths, ['persisted-queries/manifests/mobile.json']);
  });

  it('adds extra manifests after the main one, or alone when the main one is null', () => {
    assert.deepEqual(resolvePersistedQueriesConfig('web', parse({ extraManifests: ['ops/admin.json'] })).manifestPaths, ['persisted-queries/manifests/web.json', 'ops/admin.json']);
    assert.deepEqual(resolvePersistedQueriesConfig('web', parse({ manifestPath: null, extraManifests: ['ops/admin.json'] })).manifestPaths, ['ops/admin.json']);
  });

  it('lists every problem: unknown keys, an unbounded TTL, a non-Redis URL, an unknown mode', () => {
    try {
      parse({ mode: 'allowlist', apq: { ttlSeconds: 0, redisUrl: 'http://cache', tll: 5 }, extraManifest: [] });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      const problems = error.problems.join('\n');
      assert.equal(error.problems.length, 5, problems);
      assert.match(problems, /^mode: /m);
      assert.match(problems, /^apq\.ttlSeconds: /m);
      assert.match(problems, /^apq\.redisUrl: expected a redis:\/\/ or rediss:\/\/ URL/m);
      assert.match(problems, /"tll"/);
      assert.match(problems, /"extraManifest"/);
    }
    assert.throws(() => parse({ apq: { ttlSeconds: 31 * 24 * 3600 } }), ConfigError);
  });
});

describe('persisted queries for a profile (extract, look up, decide)', () => {
  it('mobile (require-id) serves its manifest by documentId over GET and POST, and refuses bodies', async () => {
    const pq = await profile('mobile');
    try {
      const id = idOf('mobile', 'FrontPage');
      assert.equal(codeOf(await pq.handle({ method: 'GET', body: undefined, query: { documentId: `sha256:${id}` } }, 'mobile')), 'allow manifest');
      assert.equal(codeOf(await pq.handle({ method: 'POST', body: { extensions: { persistedQuery: { version: 1, sha256Hash: id } } }, query: {} }, 'mobile')), 'allow manifest');
      assert.equal(codeOf(await pq.handle({ method: 'POST', body: { query: operation('mobile', 'FrontPage') }, query: {} }, 'mobile')), `${ErrorCode.PERSISTED_QUERY_ID_REQUIRED} 400`);
      assert.equal(codeOf(await pq.handle({ method: 'POST', body: { documentId: `sha256:${idOf('web', 'FrontPage')}` }, query: {} }, 'mobile')), `${ErrorCode.PERSISTED_QUERY_NOT_IN_LIST} 400`);
    } finally {
      await pq.close();
    }
  });

  it('web (apq) runs the APQ handshake: miss, registration, then hash-only hits', async () => {
    const pq = await profile('web');
    try {
      const query = 'query Adhoc { featuredProducts { id name } }';
      const apq = { persistedQuery: { version: 1, sha256Hash: hashOperation(query) } };
      assert.equal(codeOf(await pq.handle({ method: 'POST', body: { extensions: apq }, query: {} }, 'web')), `${ErrorCode.PERSISTED_QUERY_NOT_FOUND} 200`);
      const registration = await pq.handle({ method: 'POST', body: { query, extensions: apq }, query: {} }, 'web');
      assert.equal(registration.kind, 'allow');
      if (registration.kind !== 'allow') return;
      assert.deepEqual(registration.outcome.register, { hash: hashOperation(query), query });
      await pq.register(registration.outcome.register!);
      const hit = await pq.handle({ method: 'GET', body: undefined, query: { extensions: JSON.stringify(apq) } }, 'web');
      assert.equal(codeOf(hit), 'allow apq');
      assert.equal(hit.kind === 'allow' && hit.outcome.query, query);
      assert.equal(codeOf(await pq.handle({ method: 'POST', body: { query: 'query Free { me { id } }' }, query: {} }, 'web')), 'allow freeform');
    } finally {
      await pq.close();
    }
  });

  it('reports each APQ store lookup: a miss, a hit after registration, and stored text that does not hash to its key as a miss', async () => {
    const lookups: boolean[] = [];
    const pq = await profile('web', undefined, (hit) => lookups.push(hit));
    try {
      const query = 'query Counted { featuredProducts { id } }';
      const hash = hashOperation(query);
      const byHash = { method: 'POST' as const, body: { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }, query: {} };
      await pq.handle(byHash, 'web');
      const registration = await pq.handle({ ...byHash, body: { ...byHash.body, query } }, 'web');
      assert.ok(registration.kind === 'allow' && registration.outcome.register);
      await pq.register(registration.outcome.register);
      await pq.handle(byHash, 'web');
      assert.deepEqual(lookups, [false, true], 'a registration carries its text: no lookup');

      // Neither a manifest id nor a free-form body touches the store.
      await pq.handle({ method: 'POST', body: { documentId: `sha256:${idOf('web', 'FrontPage')}` }, query: {} }, 'web');
      await pq.handle({ method: 'POST', body: { query: 'query Free { me { id } }' }, query: {} }, 'web');
      assert.deepEqual(lookups, [false, true]);

      await pq.store.set(hash, 'query Other { me { id } }');
      assert.equal(codeOf(await pq.handle(byHash, 'web')), `${ErrorCode.PERSISTED_QUERY_NOT_FOUND} 200`);
      assert.deepEqual(lookups, [false, true, false]);
    } finally {
      await pq.close();
    }
  });

  it('web in safelist mode allows the exact manifest body and refuses anything else', async () => {
    const pq = await profile('web', 'safelist');
    try {
      const body = manifestOf('web').operations.find((o) => o.name === 'FrontPage')!.body;
      assert.equal(codeOf(await pq.handle({ method: 'POST', body: { query: body }, query: {} }, 'web')), 'allow manifest');
      // The file as written (with its comment) is not the manifest text: exact matching only.
      assert.equal(codeOf(await pq.handle({ method: 'POST', body: { query: operation('web', 'FrontPage') }, query: {} }, 'web')), `${ErrorCode.PERSISTED_QUERY_NOT_IN_LIST} 400`);
      assert.equal(codeOf(await pq.handle({ method: 'POST', body: { query: '{ me { email } }' }, query: {} }, 'web')), `${ErrorCode.PERSISTED_QUERY_NOT_IN_LIST} 400`);
      assert.equal(codeOf(await pq.handle({ method: 'POST', body: [{ query: body }], query: {} }, 'web')), `${ErrorCode.BAD_REQUEST} 400`);
    } finally {
      await pq.close();
    }
  });

  it('audit mode allows unknown operations and counts them by client and name', async () => {
    const pq = await profile('web', 'audit');
    try {
      const unknown = { query: 'query Scraper { featuredProducts { id } }', operationName: 'Scraper' };
      for (let i = 0; i < 3; i++) assert.equal(codeOf(await pq.handle({ method: 'POST', body: unknown, query: {} }, 'web')), 'allow audit-unknown');
      assert.equal(codeOf(await pq.handle({ method: 'POST', body: { documentId: `sha256:${idOf('web', 'CartSummary')}` }, query: {} }, 'web')), 'allow manifest');
      assert.equal(pq.audit.total, 3);
      assert.deepEqual(pq.audit.counts().map((c) => [c.client, c.operationName, c.count]), [['web', 'Scraper', 3]]);
    } finally {
      await pq.close();
    }
  });
});

describe('in-memory APQ store', () => {
  it('evicts the least recently used entry beyond maxEntries', async () => {
    const store = new MemoryApqStore({ maxEntries: 2, maxBytes: 1024 * 1024, ttlSeconds: 60 });
    await store.set('a', 'query A { me { id } }');
    await store.set('b', 'query B { me { id } }');
    await store.get('a');
    await store.set('c', 'query C { me { id } }');
    assert.equal(await store.get('b'), undefined);
    assert.ok(await store.get('a'));
    assert.ok(await store.get('c'));
  });

  it('does not keep a query larger than maxBytes', async () => {
    const store = new MemoryApqStore({ maxEntries: 10, maxBytes: 1024, ttlSeconds: 60 });
    await store.set('big', `query Big { ${'me { id } '.repeat(200)} }`);
    assert.equal(await store.get('big'), undefined);
  });

  it('expires entries after the TTL, which is always bounded', async () => {
    assert.throws(() => new MemoryApqStore({ maxEntries: 10, maxBytes: 1024, ttlSeconds: 0 }), RangeError);
    assert.throws(() => new MemoryApqStore({ maxEntries: 10, maxBytes: 1024, ttlSeconds: 10 ** 9 }), RangeError);
    let nowMs = 5_000;
    const store = new MemoryApqStore({ maxEntries: 10, maxBytes: 1024, ttlSeconds: 60, now: () => nowMs });
    await store.set('a', 'query A { me { id } }');
    nowMs += 59_999;
    assert.ok(await store.get('a'), 'still there just before the TTL');
    nowMs += 2;
    assert.equal(await store.get('a'), undefined);
  });
});
