import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../common/config.ts';
import { parseGatewayConfig } from '../../gateway/config.ts';
import { loadSubgraphConfig, parseSubgraphConfig } from '../../subgraphs/shared/config.ts';

describe('subgraph config', () => {
  it('requires the subgraph name and the REST URL, and reports both at once', () => {
    try {
      loadSubgraphConfig([], {});
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems.map((p) => p.split(':')[0]), ['subgraph', 'restUrl']);
    }
  });

  it('takes flags over SUBGRAPH_* variables', () => {
    const config = loadSubgraphConfig(['--port', '4300'], { SUBGRAPH_NAME: 'catalog', SUBGRAPH_PORT: '4200', SUBGRAPH_REST_URL: 'http://127.0.0.1:9/' });
    assert.equal(config.subgraph, 'catalog');
    assert.equal(config.port, 4300);
    assert.equal(config.restTimeoutMs, 4000);
    assert.equal(config.requestTimeoutMs, 10_000);
  });

  it('has defaults that nest: a REST read and its retry fit in a subgraph fetch, which fits in a request', () => {
    const subgraph = parseSubgraphConfig({ subgraph: 'catalog', restUrl: 'http://127.0.0.1:9/' });
    const gateway = parseGatewayConfig({});
    const retriedRead = subgraph.restTimeoutMs * subgraph.restRetry.maxAttempts + subgraph.restRetry.maxDelayMs * (subgraph.restRetry.maxAttempts - 1);
    assert.ok(retriedRead < gateway.subgraphTimeoutMs, `${retriedRead} ms of REST read vs a ${gateway.subgraphTimeoutMs} ms subgraph fetch`);
    assert.ok(gateway.subgraphTimeoutMs < gateway.requestTimeoutMs);
    assert.equal(subgraph.requestTimeoutMs, gateway.subgraphTimeoutMs, 'a subgraph called without a deadline header waits as long as the gateway would');
  });

  it('rejects an unknown SUBGRAPH_* variable that looks like one of its own (the foreign-variable rule: test/unit/foreign-env.test.ts)', () => {
    assert.throws(() => loadSubgraphConfig([], { SUBGRAPH_NAME: 'catalog', SUBGRAPH_REST_URL: 'http://x/', SUBGRAPH_TIMEOUT_MS: '5' }), /SUBGRAPH_TIMEOUT_MS: unknown/);
  });
});
