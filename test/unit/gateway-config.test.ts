import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../common/config.ts';
import { DEV_IDENTITY_SECRET } from '../../common/secrets.ts';
import { loadGatewayConfig, parseGatewayConfig } from '../../gateway/config.ts';

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('gateway config', () => {
  it('fills documented defaults, including the profile defaults', () => {
    const web = parseGatewayConfig({});
    assert.equal(web.profile, 'web');
    assert.equal(web.port, 4000);
    assert.equal(web.introspection, true);
    assert.equal(web.supergraphPath, 'schema/supergraph.graphql');
    assert.equal(web.maxBodyBytes, 1024 * 1024);
    const mobile = parseGatewayConfig({ profile: 'mobile' });
    assert.equal(mobile.port, 4010);
    assert.equal(mobile.introspection, false);
  });

  it('lets explicit options override the profile', () => {
    const config = parseGatewayConfig({ profile: 'mobile', port: 0, introspection: true });
    assert.equal(config.port, 0);
    assert.equal(config.introspection, true);
  });

  it('lists every problem in one error, with key, expectation and received value', () => {
    const problems = problemsOf(() => parseGatewayConfig({ profile: 'tablet', port: 70000, subgraphUrls: { catalog: 'not a url' }, maxBodyBytes: 'big' }));
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems.find((p) => p.startsWith('profile'))!, /received "tablet"/);
    assert.match(problems.find((p) => p.startsWith('port'))!, /received 70000/);
    assert.match(problems.find((p) => p.startsWith('subgraphUrls.catalog'))!, /URL/);
    assert.match(problems.find((p) => p.startsWith('maxBodyBytes'))!, /received "big"/);
  });

  it('rejects unknown keys, so a typo cannot silently disable an option', () => {
    const problems = problemsOf(() => parseGatewayConfig({ prot: 4000, auth: { isuer: 'x' } }));
    assert.ok(problems.some((p) => p.includes('"prot"')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('auth') && p.includes('"isuer"')), problems.join('\n'));
  });

  it('refuses both an HS256 secret and a JWKS URL', () => {
    const problems = problemsOf(() => parseGatewayConfig({ auth: { jwtSecret: 'x'.repeat(40), jwksUrl: 'https://idp.example.com/jwks.json' } }));
    assert.ok(problems.some((p) => p.includes('not both')));
  });

  it('refuses the development secrets when NODE_ENV=production', () => {
    const problems = problemsOf(() => parseGatewayConfig({}, 'production'));
    assert.ok(problems.some((p) => p.startsWith('identitySecret')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('auth')), problems.join('\n'));
    assert.ok(!problems.some((p) => p.includes(DEV_IDENTITY_SECRET)), 'a secret must never be echoed in an error');
    const ok = parseGatewayConfig({ identitySecret: 'p'.repeat(40), auth: { jwksUrl: 'https://idp.example.com/jwks.json' } }, 'production');
    assert.equal(ok.auth.jwksUrl, 'https://idp.example.com/jwks.json');
  });

  it('is frozen once loaded', () => {
    const config = parseGatewayConfig({});
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
  });

  it('reads GATEWAY_* variables and flags, flags winning', () => {
    const config = loadGatewayConfig(['--port', '5000', '--subgraph-url', 'catalog=http://10.0.0.5:8080/graphql'], {
      GATEWAY_PORT: '4500',
      GATEWAY_PROFILE: 'mobile',
      GATEWAY_SUBGRAPH_URL_PRICING: 'http://10.0.0.6/graphql',
      GATEWAY_EXPOSE_REST_CALLS: 'true',
    });
    assert.equal(config.port, 5000);
    assert.equal(config.profile, 'mobile');
    assert.equal(config.exposeRestCalls, true);
    assert.deepEqual({ ...config.subgraphUrls }, { pricing: 'http://10.0.0.6/graphql', catalog: 'http://10.0.0.5:8080/graphql' });
  });

  it('rejects unknown GATEWAY_* variables and unknown flags', () => {
    assert.ok(problemsOf(() => loadGatewayConfig([], { GATEWAY_PROT: '1' }))[0]!.includes('GATEWAY_PROT'));
    assert.ok(problemsOf(() => loadGatewayConfig(['--prot', '1'], {}))[0]!.includes('--supergraph'));
    assert.ok(problemsOf(() => loadGatewayConfig(['--subgraph-url', 'catalog'], {}))[0]!.includes('name=url'));
  });

  it('reports an unreadable config file as a problem, not a crash', () => {
    const problems = problemsOf(() => loadGatewayConfig(['--config', '/nonexistent/gateway.json'], {}));
    assert.match(problems[0]!, /cannot be read \(ENOENT\)/);
  });

  describe('cost.maxCost', () => {
    it('is the profile\'s by default: web 20000 (its heaviest page estimates 16,493), mobile 5000', () => {
      assert.equal(parseGatewayConfig({}).cost.maxCost, 20_000);
      assert.equal(parseGatewayConfig({ profile: 'mobile' }).cost.maxCost, 5000);
    });

    it('is lowered to the budget\'s bucket when only the bucket is set, so the config stays valid', () => {
      assert.equal(parseGatewayConfig({ cost: { budget: { maximumAvailable: 1500 } } }).cost.maxCost, 1500);
      assert.equal(parseGatewayConfig({ cost: { budget: { enabled: false, maximumAvailable: 1500 } } }).cost.maxCost, 20_000);
    });

    it('takes an explicit value, and null for no maximum, over the profile', () => {
      assert.equal(parseGatewayConfig({ profile: 'mobile', cost: { maxCost: 7000 } }).cost.maxCost, 7000);
      assert.equal(parseGatewayConfig({ cost: { maxCost: null } }).cost.maxCost, null);
      assert.deepEqual(problemsOf(() => parseGatewayConfig({ cost: { maxCost: 30_000 } })).map((p) => p.split(':')[0]), ['cost.maxCost']);
    });
  });

  describe('subgraphFetchMerging', () => {
    it('is on by default with a 1 s hold, switched off by GATEWAY_SUBGRAPH_FETCH_MERGING=false, and checked', () => {
      assert.deepEqual(parseGatewayConfig({}).subgraphFetchMerging, { enabled: true, maxWaitMs: 1000 });
      assert.deepEqual(loadGatewayConfig([], { GATEWAY_SUBGRAPH_FETCH_MERGING: 'false' }).subgraphFetchMerging, { enabled: false, maxWaitMs: 1000 });
      const problems = problemsOf(() => parseGatewayConfig({ subgraphFetchMerging: { enabled: 'yes', maxWaitMs: -1, windowMs: 5 } }));
      assert.deepEqual(problems.map((p) => p.split(':')[0]).sort(), ['subgraphFetchMerging', 'subgraphFetchMerging.enabled', 'subgraphFetchMerging.maxWaitMs'], problems.join('\n'));
    });
  });

  describe('ide', () => {
    const PRODUCTION_SECRETS = { identitySecret: 'p'.repeat(40), auth: { jwtSecret: 's'.repeat(40) } };

    it('is on for web and off for mobile by default, and off by default in production', () => {
      assert.equal(parseGatewayConfig({}).ide, true);
      assert.equal(parseGatewayConfig({ profile: 'mobile' }).ide, false);
      assert.equal(parseGatewayConfig(PRODUCTION_SECRETS, 'production').ide, false);
    });

    it('is refused on when NODE_ENV=production, and must be a boolean', () => {
      const problems = problemsOf(() => parseGatewayConfig({ ...PRODUCTION_SECRETS, ide: true }, 'production'));
      assert.deepEqual(problems.map((p) => p.split(':')[0]), ['ide'], problems.join('\n'));
      assert.match(problems[0]!, /development tool/);
      assert.match(problemsOf(() => parseGatewayConfig({ ide: 'yes' }))[0]!, /^ide.*received "yes"/);
    });

    it('is read from GATEWAY_IDE and from --ide / --no-ide, flags winning', () => {
      assert.equal(loadGatewayConfig([], { GATEWAY_IDE: 'false' }).ide, false);
      assert.equal(loadGatewayConfig(['--profile', 'mobile', '--ide'], {}).ide, true);
      assert.equal(loadGatewayConfig(['--no-ide'], { GATEWAY_IDE: 'true' }).ide, false);
      assert.match(problemsOf(() => loadGatewayConfig(['--ide', '--no-ide'], {}))[0]!, /received both/);
      assert.match(problemsOf(() => loadGatewayConfig([], { GATEWAY_IDE: 'on' }))[0]!, /received "on"/);
    });
  });
});

describe('gateway config: entityCache', () => {
  it('is on by default, in memory, without an invalidation endpoint', () => {
    const { entityCache } = parseGatewayConfig({});
    assert.equal(entityCache.enabled, true);
    assert.equal(entityCache.redisUrl, undefined);
    assert.equal(entityCache.invalidation.secret, undefined);
    assert.equal(entityCache.maxBytes, 64 * 1024 * 1024);
  });

  it('refuses unknown keys, a short invalidation secret and a non-Redis URL, all in one error', () => {
    const problems = problemsOf(() => parseGatewayConfig({ entityCache: { enabeld: false, redisUrl: 'http://x', invalidation: { secret: 'short' } } }));
    assert.equal(problems.length, 3, problems.join('\n'));
  });

  it('reads its environment variables, and --redis-url shares it with APQ and budgets', () => {
    const config = loadGatewayConfig(['--redis-url', 'redis://127.0.0.1:6379'], { GATEWAY_ENTITY_CACHE: 'false', GATEWAY_CACHE_INVALIDATION_SECRET: 'x'.repeat(32) });
    assert.equal(config.entityCache.enabled, false);
    assert.equal(config.entityCache.redisUrl, 'redis://127.0.0.1:6379');
    assert.equal(config.entityCache.invalidation.secret, 'x'.repeat(32));
  });
});
